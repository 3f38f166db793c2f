package e2e

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
	"github.com/buergerbuero/buergerbuero/appliance/config"
)

// TestTOTPBrowserEnrolAndSignIn: in a real browser a lead, whose role
// requires TOTP, lands on the enrolment right after the password; the QR
// code loads under the strict CSP; typing the key's current code opens
// the console. Signing in again asks for the code after the password. Both
// pages have no axe-core violations in German and Arabic.
func TestTOTPBrowserEnrolAndSignIn(t *testing.T) {
	src := axeScript(t)
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true, Configure: func(c *config.Config) { c.Auth.TOTP.RequiredRoles = []string{"lead"} }})
	carla := srv.Clerks[2]
	b := newSharedBrowser(t, srv.CertPEM)()
	setLangCookie(t, b, srv.URL, "de")
	axe := func(what string) {
		for _, lang := range []string{"de", "ar"} {
			setLangCookie(t, b, srv.URL, lang)
			step(t, b, what+" in "+lang, chromedp.Reload(), chromedp.WaitVisible("#code", chromedp.ByID))
			for _, x := range runAxe(t, b, src) {
				t.Errorf("%s %s: axe %s (%s): %s %v", what, lang, x.ID, x.Impact, x.Help, x.Nodes)
			}
		}
		setLangCookie(t, b, srv.URL, "de")
	}
	signIn := func() {
		step(t, b, "password", chromedp.Navigate(srv.URL+"/staff/login"), chromedp.WaitVisible("#login", chromedp.ByID),
			chromedp.SendKeys("#login", carla.Login, chromedp.ByID), chromedp.SendKeys("#password", carla.Password, chromedp.ByID),
			chromedp.Submit("#password", chromedp.ByID))
	}
	signIn()
	var secret string
	var qrWidth int
	step(t, b, "enrolment", chromedp.WaitVisible("#totp-forced", chromedp.ByID),
		chromedp.Poll(`document.getElementById('totp-qr').complete && document.getElementById('totp-qr').naturalWidth`, &qrWidth),
		chromedp.Text("#totp-secret", &secret, chromedp.ByID))
	if qrWidth == 0 || secret == "" {
		t.Fatalf("QR code width %d, secret %q", qrWidth, secret)
	}
	axe("enrolment")
	step(t, b, "confirm", chromedp.SendKeys("#code", code(t, secret, time.Now()), chromedp.ByID), chromedp.Submit("#code", chromedp.ByID),
		chromedp.WaitVisible("#offices section", chromedp.ByQuery))

	b = newSharedBrowser(t, srv.CertPEM)() // a fresh browser: no session
	setLangCookie(t, b, srv.URL, "de")
	signIn()
	step(t, b, "code form", chromedp.WaitVisible("#totp-form", chromedp.ByID))
	axe("code form")
	step(t, b, "code", chromedp.SendKeys("#code", code(t, secret, time.Now().Add(30*time.Second)), chromedp.ByID), chromedp.Submit("#code", chromedp.ByID),
		chromedp.WaitVisible("#offices section", chromedp.ByQuery))
}
