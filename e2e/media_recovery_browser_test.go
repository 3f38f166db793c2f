package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
)

// consult brings a citizen (B-001 in the Bürgerbüro) and clerk anna into a
// video consultation: knock, admit, both consent to camera and microphone.
func consult(t *testing.T, srv *apptest.Server, citizen, clerk context.Context) {
	t.Helper()
	step(t, citizen, "open the office page", chromedp.Navigate(srv.URL+"/offices/buergerbuero"), chromedp.WaitVisible("#concern", chromedp.ByID))
	step(t, citizen, "knock", chromedp.SendKeys("#concern", "Videoberatung bitte", chromedp.ByID),
		chromedp.Click("#knock button[type=submit]", chromedp.ByQuery), chromedp.WaitVisible("#number", chromedp.ByID))
	login(t, clerk, srv.URL, "anna", srv.Clerks[0].Password)
	step(t, clerk, "admit", chromedp.Click(`li.ticket[data-number="B-001"] button[data-action=admit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`button[data-action="consent"]`, chromedp.ByQuery))
	step(t, clerk, "clerk consents", chromedp.Click(`button[data-action="consent"]`, chromedp.ByQuery))
	step(t, citizen, "citizen consents", chromedp.WaitVisible(`button[data-action="consent"]`, chromedp.ByQuery),
		chromedp.Click(`button[data-action="consent"]`, chromedp.ByQuery))
}

// iceUfragsJS returns the ICE username fragments of the page's own side of
// the publisher and subscriber connections; an ICE restart changes both.
const iceUfragsJS = `(() => {
  if (!window.bbMedia) return [];
  const u = (pc) => { const m = pc.localDescription && /a=ice-ufrag:(\S+)/.exec(pc.localDescription.sdp); return m ? m[1] : ''; };
  return [u(bbMedia.publisher), u(bbMedia.subscriber)];
})()`

// mediaStateJS is what the citizen sees of the connection: the status
// line, whether the page shows the reconnecting state, the quality
// indicator, plus the ICE states and the page's count of ICE restarts.
const mediaStateJS = `(() => {
  const m = document.getElementById('media');
  const st = m.querySelector('.bb-status'), q = m.querySelector('.bb-quality');
  return {status: st ? st.textContent : '', reconnecting: m.classList.contains('bb-reconnecting'),
    quality: q ? q.dataset.quality : '', restarts: Number(m.dataset.iceRestarts || 0),
    pub: window.bbMedia ? bbMedia.publisher.iceConnectionState : '', sub: window.bbMedia ? bbMedia.subscriber.iceConnectionState : ''};
})()`

type mediaState struct {
	Status       string `json:"status"`
	Reconnecting bool   `json:"reconnecting"`
	Quality      string `json:"quality"`
	Restarts     int    `json:"restarts"`
	Pub          string `json:"pub"`
	Sub          string `json:"sub"`
}

// waitMedia polls the page's media state until ok holds.
func waitMedia(t *testing.T, ctx context.Context, what string, ok func(mediaState, []string) bool) mediaState {
	t.Helper()
	deadline := time.Now().Add(mediaWait)
	var last mediaState
	var ufrags []string
	for {
		err := chromedp.Run(ctx, chromedp.Evaluate(mediaStateJS, &last), chromedp.Evaluate(iceUfragsJS, &ufrags))
		if err == nil && ok(last, ufrags) {
			return last
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v (last state %+v, ICE ufrags %v, err %v)", what, mediaWait, last, ufrags, err)
		}
		// polling the page; there is no event for this to wait on
		time.Sleep(200 * time.Millisecond)
	}
}

// framesDecoded returns the page's decoded video frames so far.
func framesDecoded(t *testing.T, ctx context.Context) float64 {
	t.Helper()
	var r []float64
	step(t, ctx, "frames decoded", chromedp.Evaluate(framesDecodedJS, &r, func(p *runtimeEvaluate) *runtimeEvaluate { return p.WithAwaitPromise(true) }))
	return r[0]
}

// decodesBeyond waits until the page has decoded more than base frames.
func decodesBeyond(t *testing.T, ctx context.Context, who string, base float64) {
	t.Helper()
	deadline := time.Now().Add(mediaWait)
	for {
		var r []float64
		if err := chromedp.Run(ctx, chromedp.Evaluate(framesDecodedJS, &r, func(p *runtimeEvaluate) *runtimeEvaluate { return p.WithAwaitPromise(true) })); err == nil && len(r) == 2 && r[0] > base {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no video decoded after the network came back (frames stay at %v)", who, base)
		}
		// polling the page's statistics; there is no event for "a frame was decoded"
		time.Sleep(200 * time.Millisecond)
	}
}

// sfuGiveUpRestarts is how many ICE restarts, RESTART_RETRY (10 s) apart in
// media.js, make an outage outlast the SFU's ICE session. pion's agent
// fails 30 s after the outage's first restart put it into checking (a
// further restart while it is checking does not restart that clock); it
// then drops its candidates, including those of the newest restart, and
// only a restart from the client after that brings the publisher back.
// Five restarts end 40 s after the first, safely past that point.
const sfuGiveUpRestarts = 5

// TestMediaRecoversAfterNetworkCut: the citizen's network drops every
// media packet (as when a phone changes networks) while the web and
// signalling connection stays up, first briefly, then for longer than the
// SFU keeps an ICE session alive. Each time the citizen's page notices,
// says it reconnects, rates the connection poor, restarts ICE on both its
// connections (new ICE credentials), and once the network is back both
// sides see video again and the page says it is connected — without
// anybody doing anything.
func TestMediaRecoversAfterNetworkCut(t *testing.T) {
	ns := newNetns(t)
	srv := apptest.Start(t, apptest.Options{Quiet: true, ListenIP: ns.hostIP})
	ns.reach(t, srv)
	citizen := ns.browser(t, srv.CertPEM)
	clerk := newBrowser(t, srv.CertPEM)()
	consult(t, srv, citizen, clerk)
	decoded(t, citizen, "citizen sees the clerk", 1)
	decoded(t, clerk, "clerk sees the citizen", 1)

	// the cut: everything between the citizen and the appliance but the
	// web port, in a table of the citizen's own namespace
	const table = "bb_media_cut"
	cut := fmt.Sprintf(`table inet %[1]s {
  chain out {
    type filter hook output priority 0; policy accept;
    ip daddr %[2]s tcp dport %[3]s accept
    ip daddr %[2]s drop
  }
  chain in {
    type filter hook input priority 0; policy accept;
    ip saddr %[2]s tcp sport %[3]s accept
    ip saddr %[2]s drop
  }
}`, table, ns.hostIP, httpsPort(t, srv))
	blocked := false
	t.Cleanup(func() {
		if blocked {
			if err := ns.deleteTable(table); err != nil {
				t.Errorf("lift the cut: %v", err)
			}
		}
	})
	outage := func(name string, restarts int) {
		t.Helper()
		var before []string
		var st mediaState
		step(t, citizen, name+": ICE state before", chromedp.Evaluate(iceUfragsJS, &before), chromedp.Evaluate(mediaStateJS, &st))
		if len(before) != 2 || before[0] == "" || before[1] == "" {
			t.Fatalf("%s: no ICE credentials in the citizen's descriptions: %q", name, before)
		}
		wantRestarts := st.Restarts + restarts
		start := time.Now()
		ns.nft(t, cut)
		blocked = true
		st = waitMedia(t, citizen, name+": citizen's page shows the outage and restarts ICE on both connections", func(s mediaState, u []string) bool {
			return s.Reconnecting && s.Quality == "poor" && len(u) == 2 && u[0] != before[0] && u[1] != before[1]
		})
		if !strings.Contains(st.Status, "wiederhergestellt") {
			t.Errorf("%s: citizen's status line during the outage: %q, want the reconnecting message", name, st.Status)
		}
		if restarts > 1 {
			st = waitMedia(t, citizen, name+": citizen's page keeps restarting ICE while the network is down", func(s mediaState, _ []string) bool {
				return s.Restarts >= wantRestarts && s.Reconnecting
			})
		}
		clerkFrames, citizenFrames := framesDecoded(t, clerk), framesDecoded(t, citizen)
		if err := ns.deleteTable(table); err != nil {
			t.Fatalf("lift the cut: %v", err)
		}
		blocked = false
		t.Logf("%s: network down for %v, %+v", name, time.Since(start).Round(time.Second), st)

		back := time.Now()
		decodesBeyond(t, citizen, name+": citizen sees the clerk again", citizenFrames)
		decodesBeyond(t, clerk, name+": clerk sees the citizen again", clerkFrames)
		st = waitMedia(t, citizen, name+": citizen's page says the connection is back", func(s mediaState, _ []string) bool {
			return !s.Reconnecting && s.Status == "Verbunden." && s.Quality != "poor" && s.Quality != "unknown"
		})
		t.Logf("%s: video both ways %v after the network came back, %+v", name, time.Since(back).Round(100*time.Millisecond), st)
	}
	outage("short outage", 1)
	outage("long outage", sfuGiveUpRestarts)
}
