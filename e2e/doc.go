// Package e2e holds the end-to-end tests that drive the real appliance with
// real peers: Chromium (chromedp, fake camera), the built binary killed
// with SIGKILL, many concurrent clerks. It owns only test helpers.
package e2e
