package sfu

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

const (
	chromiumPath   = "/usr/bin/chromium"
	waitBrowser    = 60 * time.Second // whole browser test budget
	waitFrames     = 30 * time.Second // decoded video on both pages
	browserPollGap = 200 * time.Millisecond
)

// staticDir is where the appliance serves media.js and media.css from.
var staticDir = filepath.Join("..", "appliance", "web", "static")

// testPage imports media.js exactly as the appliance's room page does.
const testPage = `<!doctype html><html lang="de"><head><meta charset="utf-8">
<link rel="stylesheet" href="/static/media.css"><title>media test</title></head>
<body><main id="root"></main><script type="module" src="/test.js"></script></body></html>`

const testScript = `import {startMedia} from '/static/media.js';
const q = new URLSearchParams(location.search);
const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/sfu?access_token=' + encodeURIComponent(q.get('token'));
startMedia(document.getElementById('root'), {signalURL: url, room: q.get('room'), uid: q.get('uid'), iceServers: [], lang: 'de', role: q.get('role')});
`

// strictCSP is what the appliance sends: no inline script or style.
const strictCSP = "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; media-src 'self' blob: mediastream:; img-src 'self'"

func browserServer(t *testing.T, env *testEnv) *httptest.Server {
	mux := http.NewServeMux()
	mux.Handle("/sfu", env.sfu.Handler())
	mux.Handle("/static/", http.StripPrefix("/static/", http.FileServer(http.Dir(staticDir))))
	mux.HandleFunc("/test.js", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprint(w, testScript)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Security-Policy", strictCSP)
		fmt.Fprint(w, testPage)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// framesDecoded sums framesDecoded over the subscriber's inbound video.
const framesDecodedJS = `(async () => {
  if (!window.bbMedia) return -1;
  const s = await window.bbMedia.subscriber.getStats();
  let f = 0;
  s.forEach((r) => { if (r.type === 'inbound-rtp' && r.kind === 'video') f += r.framesDecoded || 0; });
  return f;
})()`

// screenDecoded reports whether a remote screen tile shows video and the
// subscriber has two decoding video streams (camera + screen).
const screenDecodedJS = `(async () => {
  const v = document.querySelector('video[data-tile="screen"]');
  if (!v || v.videoWidth === 0) return false;
  const s = await window.bbMedia.subscriber.getStats();
  let n = 0;
  s.forEach((r) => { if (r.type === 'inbound-rtp' && r.kind === 'video' && r.framesDecoded > 0) n++; });
  return n >= 2;
})()`

func evalAwait(ctx context.Context, js string, out any) error {
	return chromedp.Run(ctx, chromedp.Evaluate(js, out, func(p *runtime.EvaluateParams) *runtime.EvaluateParams {
		return p.WithAwaitPromise(true)
	}))
}

// waitJS polls a page expression until ok(result) or the deadline.
func waitJS[T any](t *testing.T, ctx context.Context, what, js string, within time.Duration, ok func(T) bool) T {
	t.Helper()
	deadline := time.Now().Add(within)
	var v T
	for {
		err := evalAwait(ctx, js, &v)
		if err == nil && ok(v) {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s (last value %v, err %v)", what, v, err)
		}
		time.Sleep(browserPollGap) // polling the page, not synchronising the SFU
	}
}

func TestBrowserConsultation(t *testing.T) {
	if testing.Short() {
		t.Skip("real-browser test; skipped under -short")
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("real-browser test needs Debian's chromium at %s (apt-get install chromium): %v", chromiumPath, err)
	}
	env := newTestEnv(t, Config{})
	srv := browserServer(t, env)
	// Not t.TempDir: Chromium's helper processes may still write to the
	// profile for a moment after the browser was cancelled.
	profile, err := os.MkdirTemp("", "bb-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		deadline := time.Now().Add(waitLeak)
		for os.RemoveAll(profile) != nil && time.Now().Before(deadline) {
			time.Sleep(browserPollGap)
		}
	})
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.UserDataDir(profile),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("auto-select-desktop-capture-source", "Entire"),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := context.WithTimeout(allocCtx, waitBrowser)
	defer cancel()
	clerk, cancelClerk := chromedp.NewContext(ctx)
	defer cancelClerk()
	defer func() { _ = chromedp.Cancel(clerk) }() // closes the browser and waits for it
	if err := chromedp.Run(clerk); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	citizen, cancelCitizen := chromedp.NewContext(clerk) // second tab, same browser
	defer cancelCitizen()

	page := func(role Role, uid string) string {
		return fmt.Sprintf("%s/?room=r1&uid=%s&role=%s&token=%s", srv.URL, uid, role, env.auth.issue("r1", uid, role))
	}
	for _, p := range []struct {
		ctx  context.Context
		role Role
		uid  string
	}{{clerk, RoleClerk, "clerk"}, {citizen, RoleCitizen, "citizen"}} {
		err := chromedp.Run(p.ctx,
			chromedp.Navigate(page(p.role, p.uid)),
			chromedp.WaitVisible(`button[data-action="consent"]`),
			chromedp.Click(`button[data-action="consent"]`),
			chromedp.WaitReady(`video[data-tile="local"]`),
		)
		if err != nil {
			t.Fatalf("%s page: %v", p.uid, err)
		}
	}
	for _, c := range []context.Context{clerk, citizen} {
		first := waitJS(t, c, "first decoded frames", framesDecodedJS, waitFrames, func(f float64) bool { return f > 0 })
		waitJS(t, c, "frames keep decoding", framesDecodedJS, waitFrames, func(f float64) bool { return f > first })
		if err := chromedp.Run(c, chromedp.WaitReady(`video[data-tile="remote"]`)); err != nil {
			t.Fatalf("remote tile: %v", err)
		}
	}
	if err := chromedp.Run(clerk, chromedp.Click(`button[data-action="share"]`)); err != nil {
		t.Fatalf("click share: %v", err)
	}
	waitJS(t, citizen, "clerk's screen share as its own decoded tile", screenDecodedJS, waitFrames, func(ok bool) bool { return ok })
}
