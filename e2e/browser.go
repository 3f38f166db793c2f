package e2e

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Named waits (no bare sleeps): how long a user-visible step may take.
const (
	pageWait = 20 * time.Second
	testWait = 3 * time.Minute
)

// chromiumPath finds Debian's Chromium; the README's test command installs it.
func chromiumPath(t testing.TB) string {
	t.Helper()
	for _, p := range []string{os.Getenv("CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if _, err := exec.LookPath(p); err == nil {
			return p
		}
	}
	if testing.Short() {
		t.Skip("chromium not installed; end-to-end browser tests run without -short")
	}
	t.Fatal("chromium is not installed: run the README's test command (scripts/test), which installs Debian's chromium package")
	return ""
}

// chromiumFlags are the command-line switches of every test browser
// (without the leading "--"; "" for a switch without value): headless,
// fake camera and microphone, no background traffic, and trust in exactly
// the test server's key.
func chromiumFlags(t testing.TB, certPEM []byte) [][2]string {
	return [][2]string{
		{"no-first-run", ""}, {"no-default-browser-check", ""},
		{"headless", ""}, {"no-sandbox", ""}, {"disable-gpu", ""},
		{"use-fake-device-for-media-stream", ""}, {"use-fake-ui-for-media-stream", ""},
		{"disable-background-networking", ""}, {"disable-component-update", ""},
		{"disable-sync", ""}, {"auto-select-desktop-capture-source", "Entire"}, {"autoplay-policy", "no-user-gesture-required"}, {"disable-quic", ""}, {"disable-dev-shm-usage", ""},
		// trust exactly the test server's key, so the page is a secure
		// context with working Secure cookies (unlike ignore-certificate-errors)
		{"ignore-certificate-errors-spki-list", spkiHash(t, certPEM)}, {"lang", "de-DE"}, {"accept-lang", "de-DE,de"},
	}
}

// newBrowser starts a headless Chromium with fake camera and microphone and
// returns a function that opens isolated browser contexts (own cookies and
// storage, like separate people on separate devices).
func newBrowser(t testing.TB, certPEM []byte) func() context.Context {
	t.Helper()
	if testing.Short() {
		t.Skip("browser tests are skipped under -short")
	}
	opts := chromedp.DefaultExecAllocatorOptions[:0:0]
	for _, f := range chromiumFlags(t, certPEM) {
		if f[1] == "" {
			opts = append(opts, chromedp.Flag(f[0], true))
		} else {
			opts = append(opts, chromedp.Flag(f[0], f[1]))
		}
	}
	path := chromiumPath(t)
	// one browser process per person: separate cookies, storage and devices
	return func() context.Context {
		o := append(opts[:len(opts):len(opts)], chromedp.ExecPath(path), chromedp.UserDataDir(t.TempDir()))
		alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), o...)
		return attach(t, alloc, cancelAlloc)
	}
}

// attach opens the first tab of the browser behind alloc, logs its
// exceptions, errors and warnings, and closes it when the test ends.
func attach(t testing.TB, alloc context.Context, cancelAlloc context.CancelFunc) context.Context {
	t.Helper()
	// chromedp's protocol tables lag behind Debian's Chromium; unknown
	// events are harmless and would only clutter the output
	ctx, cancel := chromedp.NewContext(alloc, chromedp.WithErrorf(func(format string, args ...any) {
		if !strings.Contains(format, "unhandled") {
			t.Logf(format, args...)
		}
	}))
	chromedp.ListenTarget(ctx, func(ev any) {
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			t.Logf("browser exception: %s", e.ExceptionDetails.Error())
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.APITypeError || e.Type == runtime.APITypeWarning {
				for _, a := range e.Args {
					t.Logf("browser console %s: %s", e.Type, a.Value)
				}
			}
		}
	})
	if err := chromedp.Run(ctx); err != nil {
		cancel()
		cancelAlloc()
		t.Fatalf("start chromium: %v", err)
	}
	t.Cleanup(func() { cancel(); cancelAlloc() })
	return ctx
}

// step runs chromedp actions with a deadline and fails the test with the
// step's name.
func step(t testing.TB, ctx context.Context, name string, actions ...chromedp.Action) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, pageWait)
	defer cancel()
	if err := chromedp.Run(sctx, actions...); err != nil {
		var loc string
		chromedp.Run(ctx, chromedp.Location(&loc))
		t.Fatalf("%s: %v (page %s)", name, err, loc)
	}
}

// focus moves the keyboard focus to the first element matching the CSS
// selector, waiting until it is there. It works in the page's script, not
// on DevTools node ids: a page that has just been navigated to may still
// replace its document, which makes chromedp.Focus fail with "Could not
// find node with given id" although the element is on screen.
func focus(sel string) chromedp.Action {
	return chromedp.Poll(`(() => { const e = document.querySelector(`+strconv.Quote(sel)+`); if (!e) return false; e.focus(); return document.activeElement === e })()`, nil)
}

// spkiHash returns the base64 SHA-256 of a certificate's public key; for
// several concatenated certificates (a server with one key per name), the
// comma-separated list Chromium's switch takes.
func spkiHash(t testing.TB, certPEM []byte) string {
	var hashes []string
	for rest := certPEM; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.Sum256(c.RawSubjectPublicKeyInfo)
		hashes = append(hashes, base64.StdEncoding.EncodeToString(h[:]))
	}
	if len(hashes) == 0 {
		t.Fatal("no certificate PEM")
	}
	return strings.Join(hashes, ",")
}
