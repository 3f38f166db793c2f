package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
)

// rejoinStateJS: how often the page rejoined after losing its signalling
// connection, how many remote video tiles it shows, and its status line.
const rejoinStateJS = `(() => {
  const m = document.getElementById('media');
  const st = m.querySelector('.bb-status');
  return {rejoins: Number(m.dataset.rejoins || 0), remote: m.querySelectorAll('[data-tile=remote]').length,
    ended: m.classList.contains('bb-ended'), status: st ? st.textContent : ''};
})()`

type rejoinState struct {
	Rejoins int    `json:"rejoins"`
	Remote  int    `json:"remote"`
	Ended   bool   `json:"ended"`
	Status  string `json:"status"`
}

func waitRejoin(t *testing.T, ctx context.Context, what string, ok func(rejoinState) bool) rejoinState {
	t.Helper()
	deadline := time.Now().Add(mediaWait)
	var st rejoinState
	for {
		err := chromedp.Run(ctx, chromedp.Evaluate(rejoinStateJS, &st))
		if err == nil && ok(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v (last %+v, err %v)", what, mediaWait, st, err)
		}
		// polling the page; there is no event for this to wait on
		time.Sleep(200 * time.Millisecond)
	}
}

// TestVideoRejoinsAfterApplianceRestart: the appliance restarts (an
// update, a crash) during a video consultation. Both pages lose their
// signalling connection and every media session with it; each asks the
// reception for a fresh admission and rejoins by itself, both see each
// other's video again — once, not a stale copy — and nobody had to click
// anything. When the clerk then ends the consultation, the citizen's page
// does not try to rejoin a room that is gone.
func TestVideoRejoinsAfterApplianceRestart(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true})
	open := newBrowser(t, srv.CertPEM)
	citizen, clerk := open(), open()
	consult(t, srv, citizen, clerk)
	decoded(t, citizen, "citizen sees the clerk", 1)
	decoded(t, clerk, "clerk sees the citizen", 1)

	start := time.Now()
	srv.Restart()
	for _, p := range []struct {
		who string
		ctx context.Context
	}{{"citizen", citizen}, {"clerk", clerk}} {
		st := waitRejoin(t, p.ctx, p.who+" rejoins the consultation by itself", func(s rejoinState) bool { return s.Rejoins >= 1 })
		if st.Ended {
			t.Fatalf("%s's page shows the call as ended after the restart: %+v", p.who, st)
		}
		decodesBeyond(t, p.ctx, p.who+" sees video on the rejoined connection", 0)
		st = waitRejoin(t, p.ctx, p.who+" shows exactly one remote video and says it is connected", func(s rejoinState) bool {
			return s.Remote == 1 && s.Status == "Verbunden."
		})
		t.Logf("%s: video again %v after the restart began, %+v", p.who, time.Since(start).Round(100*time.Millisecond), st)
	}

	step(t, clerk, "clerk ends the consultation", chromedp.Click(`button[data-action="end"]`, chromedp.ByQuery))
	waitRejoin(t, citizen, "citizen's call ends with the consultation", func(s rejoinState) bool { return s.Ended && s.Remote == 0 && s.Rejoins == 1 })
}
