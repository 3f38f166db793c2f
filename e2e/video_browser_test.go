package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
)

// framesDecodedJS sums framesDecoded over the page's incoming video and
// counts the video tracks that decode.
const framesDecodedJS = `(async () => {
  if (!window.bbMedia || !window.bbMedia.subscriber) return [0, 0];
  const s = await window.bbMedia.subscriber.getStats();
  let f = 0, n = 0;
  s.forEach((r) => { if (r.type === 'inbound-rtp' && r.kind === 'video') { f += r.framesDecoded || 0; if (r.framesDecoded > 0) n++; } });
  return [f, n];
})()`

// mediaWait bounds ICE, DTLS and the first decoded frames; generous because
// two Chromium instances encode and decode on a shared 2-core machine.
const mediaWait = 60 * time.Second

// decoded waits until the page decodes at least tracks video tracks and
// keeps decoding frames.
func decoded(t *testing.T, ctx context.Context, who string, tracks int) {
	t.Helper()
	var first float64
	wait := func(cond func(f, n float64) bool) {
		t.Helper()
		deadline := time.Now().Add(mediaWait)
		for {
			var r []float64
			if err := chromedp.Run(ctx, chromedp.Evaluate(framesDecodedJS, &r, func(p *runtimeEvaluate) *runtimeEvaluate { return p.WithAwaitPromise(true) })); err == nil && len(r) == 2 && cond(r[0], r[1]) {
				first = r[0]
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: video does not decode (%d tracks wanted)", who, tracks)
			}
			// polling the page's statistics; there is no event for "a frame was decoded"
			time.Sleep(200 * time.Millisecond)
		}
	}
	wait(func(f, n float64) bool { return n >= float64(tracks) && f > 0 })
	base := first
	wait(func(f, n float64) bool { return f > base })
}

// TestVideoConsultation: the clerk and the citizen see each other's video
// in the consultation room (real Chromium, fake camera, our SFU), and the
// clerk's screen share arrives as its own tile.
func TestVideoConsultation(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true})
	open := newBrowser(t, srv.CertPEM)
	citizen, clerk := open(), open()
	step(t, citizen, "knock", chromedp.Navigate(srv.URL+"/offices/buergerbuero"),
		chromedp.SendKeys("#concern", "Videoberatung bitte", chromedp.ByID),
		chromedp.Click("#knock button[type=submit]", chromedp.ByQuery), chromedp.WaitVisible("#number", chromedp.ByID))
	login(t, clerk, srv.URL, "anna", srv.Clerks[0].Password)
	step(t, clerk, "admit", chromedp.Click(`li.ticket[data-number="B-001"] button[data-action=admit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`button[data-action="consent"]`, chromedp.ByQuery))
	step(t, citizen, "citizen sees the privacy notice before any camera", chromedp.WaitVisible(`button[data-action="consent"]`, chromedp.ByQuery))
	var usedCamera bool
	step(t, citizen, "no camera before consent", chromedp.Evaluate(`!!(window.bbMedia)`, &usedCamera))
	if usedCamera {
		t.Fatal("media started before consent")
	}
	step(t, clerk, "clerk consents", chromedp.Click(`button[data-action="consent"]`, chromedp.ByQuery))
	step(t, citizen, "citizen consents", chromedp.Click(`button[data-action="consent"]`, chromedp.ByQuery))
	decoded(t, clerk, "clerk sees citizen", 1)
	decoded(t, citizen, "citizen sees clerk", 1)
	step(t, clerk, "share screen", chromedp.WaitVisible(`button[data-action="share"]`, chromedp.ByQuery), chromedp.Click(`button[data-action="share"]`, chromedp.ByQuery))
	decoded(t, citizen, "citizen sees camera and screen", 2)
	step(t, citizen, "screen tile", chromedp.WaitVisible(`video[data-tile="screen"]`, chromedp.ByQuery))
}
