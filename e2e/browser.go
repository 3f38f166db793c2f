package e2e

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

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
func newBrowser(t testing.TB) func() context.Context {
	t.Helper()
	if testing.Short() {
		t.Skip("browser tests are skipped under -short")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:0:0],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("use-fake-device-for-media-stream", true), chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("ignore-certificate-errors", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	browser, cancelBrowser := chromedp.NewContext(alloc)
	if err := chromedp.Run(browser); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	t.Cleanup(func() { cancelBrowser(); cancelAlloc() })
	return func() context.Context {
		ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
		t.Cleanup(cancel)
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
