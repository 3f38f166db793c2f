package e2e

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"os"
	"os/exec"
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

// newBrowser starts a headless Chromium with fake camera and microphone and
// returns a function that opens isolated browser contexts (own cookies and
// storage, like separate people on separate devices).
func newBrowser(t testing.TB, certPEM []byte) func() context.Context {
	t.Helper()
	if testing.Short() {
		t.Skip("browser tests are skipped under -short")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:0:0],
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("use-fake-device-for-media-stream", true), chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("auto-select-desktop-capture-source", "Entire"), chromedp.Flag("autoplay-policy", "no-user-gesture-required"), chromedp.Flag("disable-quic", true), chromedp.Flag("disable-dev-shm-usage", true),
		// trust exactly the test server's key, so the page is a secure
		// context with working Secure cookies (unlike ignore-certificate-errors)
		chromedp.Flag("ignore-certificate-errors-spki-list", spkiHash(t, certPEM)), chromedp.Flag("lang", "de-DE"), chromedp.Flag("accept-lang", "de-DE,de"),
	)
	path := chromiumPath(t)
	// one browser process per person: separate cookies, storage and devices
	return func() context.Context {
		o := append(opts[:len(opts):len(opts)], chromedp.ExecPath(path), chromedp.UserDataDir(t.TempDir()))
		alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), o...)
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
			t.Fatalf("start chromium: %v", err)
		}
		t.Cleanup(func() { cancel(); cancelAlloc() })
		return ctx
	}
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

// spkiHash returns the base64 SHA-256 of a certificate's public key.
func spkiHash(t testing.TB, certPEM []byte) string {
	block, _ := pem.Decode(certPEM)
	if block == nil {
		t.Fatal("no certificate PEM")
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256(c.RawSubjectPublicKeyInfo)
	return base64.StdEncoding.EncodeToString(h[:])
}
