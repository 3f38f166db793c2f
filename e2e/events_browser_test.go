package e2e

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
	"github.com/buergerbuero/buergerbuero/sfu/sfuclient"
)

// eventWait bounds ICE, DTLS and the first packets of twenty pion viewers
// and a Chromium on a shared 2-core machine.
const eventWait = 60 * time.Second

// inboundAudioJS counts the page's incoming audio streams that carry
// bytes, and their bytes.
const inboundAudioJS = `(async () => {
  if (!window.bbMedia || !window.bbMedia.subscriber) return [0, 0];
  const s = await window.bbMedia.subscriber.getStats();
  let n = 0, b = 0;
  s.forEach((r) => { if (r.type === 'inbound-rtp' && r.kind === 'audio' && r.bytesReceived > 0) { n++; b += r.bytesReceived; } });
  return [n, b];
})()`

// browserHears waits until the page receives at least streams audio
// streams and their bytes keep growing.
func browserHears(t *testing.T, ctx contextT, streams int) {
	t.Helper()
	read := func() (n, b float64) {
		var r []float64
		if err := chromedp.Run(ctx, chromedp.Evaluate(inboundAudioJS, &r, func(p *runtimeEvaluate) *runtimeEvaluate { return p.WithAwaitPromise(true) })); err == nil && len(r) == 2 {
			return r[0], r[1]
		}
		return 0, 0
	}
	var base float64
	waitUntil(t, eventWait, fmt.Sprintf("the browser receives %d audio streams", streams), func() bool {
		n, b := read()
		base = b
		return n >= float64(streams)
	})
	waitUntil(t, eventWait, "the browser's audio bytes grow", func() bool { _, b := read(); return b > base })
}

type eventViewer struct {
	id     string
	client *apiClient
	peer   *pionPeer
	live   *viewerStream
}

// joinEventViewer joins like a viewer's page: an anonymous session, the
// media room as viewer, the live state.
func joinEventViewer(t *testing.T, srv *apptest.Server, event string) eventViewer {
	t.Helper()
	c := newClient(t, srv)
	var v struct {
		ViewerID string `json:"viewer_id"`
		Token    string `json:"token"`
	}
	if st := c.do("POST", "/api/v1/events/"+event+"/viewers", nil, &v); st != 201 || v.Token == "" {
		t.Fatalf("join as viewer: %d", st)
	}
	c.token = v.Token
	var g eventGrant
	if st := c.do("POST", "/api/v1/events/"+event+"/media", nil, &g); st != 200 || g.Role != "viewer" {
		t.Fatalf("viewer media admission: %d %+v", st, g)
	}
	p := dialPion(t, srv, event, g)
	p.join(t, event)
	return eventViewer{id: v.ViewerID, client: c, peer: p, live: followEvent(t, srv, event, v.Token)}
}

func refusedCode(err error) int {
	var e *sfuclient.RPCError
	if errors.As(err, &e) {
		return e.Code
	}
	return 0
}

// TestEventQuestionsStageAndTwentyViewers: an event with one speaker and
// twenty viewers (nineteen pion clients, one Chromium). A question sent
// from the browser is moderated and shown to all; a viewer raises a hand,
// is brought on stage and heard by the others (pion viewers and the
// browser), then sent back, after which its publishing is refused. Bad
// input gets a clear error and the event goes on.
func TestEventQuestionsStageAndTwentyViewers(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true})
	anna := newClient(t, srv)
	anna.login("anna", srv.Clerks[0].Password)
	var created struct {
		Event struct{ ID string } `json:"event"`
	}
	now := time.Now()
	draft := map[string]any{"office_id": "buergerbuero", "title": "Bürgersprechstunde",
		"starts_at": now.Add(-time.Minute), "ends_at": now.Add(time.Hour), "speakers": []string{"anna"}, "stage_slots": 2}
	if st := anna.do("POST", "/api/v1/staff/events", draft, &created); st != 201 {
		t.Fatalf("create event: %d", st)
	}
	id := created.Event.ID

	var g eventGrant
	if st := anna.do("POST", "/api/v1/staff/events/"+id+"/media", nil, &g); st != 200 || g.Role != "speaker" {
		t.Fatalf("speaker admission: %d %+v", st, g)
	}
	speaker := dialPion(t, srv, id, g)
	speaker.sendAudio(t, "speaker")
	speaker.join(t, id)

	viewers := make([]eventViewer, 19)
	for i := range viewers {
		viewers[i] = joinEventViewer(t, srv, id)
	}
	open := newBrowser(t, srv.CertPEM)
	b := open()
	step(t, b, "public event page", chromedp.Navigate(srv.URL+"/events/"+id), chromedp.WaitVisible("#watch", chromedp.ByID))
	// two steps, each with its own deadline: on a loaded machine the watch
	// page's load and the join (session, media admission beside 20 peers)
	// together can outlast one
	// the link is followed by navigating to its target, which waits for the
	// page's load: a click's navigation can still replace the document
	// after #join is found, failing the next action on a loaded machine
	var watch string
	step(t, b, "read the watch link", chromedp.Evaluate(`document.getElementById('watch').href`, &watch))
	if want := srv.URL + "/events/" + id + "/watch"; watch != want {
		t.Fatalf("watch link %q, want %q", watch, want)
	}
	step(t, b, "open the watch page", chromedp.Navigate(watch), chromedp.WaitVisible("#join", chromedp.ByID))
	step(t, b, "join by keyboard", focus("#join"), chromedp.KeyEvent("\r"), chromedp.WaitVisible("#ask-text", chromedp.ByID))
	for i, v := range viewers {
		waitUntil(t, eventWait, fmt.Sprintf("viewer %d hears the speaker", i), func() bool { return v.peer.heard("speaker") > 5 })
	}
	browserHears(t, b, 1)

	// a question from the browser, moderated, shown to all
	const question = "Wann wird die Ortsdurchfahrt saniert?"
	step(t, b, "ask", chromedp.SendKeys("#ask-text", question, chromedp.ByID), chromedp.Click("#ask button[type=submit]", chromedp.ByQuery),
		chromedp.Poll(`document.getElementById('ask-ok').textContent !== ''`, nil))
	var mod struct {
		Moderation struct {
			Pending []struct {
				ID   int64  `json:"id"`
				Text string `json:"text"`
			} `json:"pending"`
			Hands []struct {
				ID string `json:"id"`
			} `json:"hands"`
		} `json:"moderation"`
	}
	anna.do("GET", "/api/v1/staff/events/"+id, nil, &mod)
	if len(mod.Moderation.Pending) != 1 || mod.Moderation.Pending[0].Text != question {
		t.Fatalf("moderation queue: %+v", mod.Moderation.Pending)
	}
	var shown []string
	var noneShown bool
	step(t, b, "not shown before approval", chromedp.Evaluate(`[...document.querySelectorAll('#questions li')].map((li) => li.textContent)`, &shown),
		chromedp.Evaluate(`!document.getElementById('questions-none').hidden`, &noneShown))
	if len(shown) != 0 || !noneShown {
		t.Fatalf("before approval: questions shown %q, 'no questions yet' shown %v", shown, noneShown)
	}
	approve := fmt.Sprintf("/api/v1/staff/events/%s/questions/%d/approve", id, mod.Moderation.Pending[0].ID)
	if st := anna.do("POST", approve, nil, nil); st != 200 {
		t.Fatalf("approve: %d", st)
	}
	step(t, b, "approved question shown", chromedp.WaitVisible("#questions li[data-question]", chromedp.ByQuery),
		chromedp.Evaluate(`[...document.querySelectorAll('#questions li')].map((li) => li.textContent)`, &shown))
	step(t, b, "'no questions yet' gone", chromedp.Evaluate(`!document.getElementById('questions-none').hidden`, &noneShown))
	if len(shown) != 1 || shown[0] != question || noneShown {
		t.Fatalf("browser shows %q ('no questions yet' still shown: %v)", shown, noneShown)
	}
	for i, v := range viewers {
		waitUntil(t, eventWait, fmt.Sprintf("viewer %d sees the approved question", i), func() bool {
			st := v.live.state()
			return len(st.Questions) == 1 && st.Questions[0].Text == question
		})
	}

	// bad input: a clear error, and the event goes on
	var e apiError
	if st := viewers[0].client.do("POST", "/api/v1/events/"+id+"/questions", map[string]string{"text": strings.Repeat("x", 501)}, &e); st != 422 || e.Error.Code != "invalid" || !strings.Contains(e.Error.Message, "500") {
		t.Errorf("too long question: %d %s", st, e)
	}
	e = apiError{}
	if st := viewers[0].client.do("POST", approve, nil, &e); st != 401 || e.Error.Message == "" {
		t.Errorf("viewer moderating: %d %s", st, e)
	}
	refused := viewers[1]
	refused.peer.sendAudio(t, "uninvited")
	if err := refused.peer.Renegotiate(); refusedCode(err) != -32001 {
		t.Errorf("viewer publishing without the stage: %v, want code -32001", err)
	}
	before := refused.peer.heard("speaker")
	waitUntil(t, eventWait, "the refused viewer still hears the speaker", func() bool { return refused.peer.heard("speaker") > before+5 })

	// raise hand, on stage, heard by the others
	guest := viewers[2]
	if st := guest.client.do("PUT", "/api/v1/events/"+id+"/hand", map[string]bool{"raised": true}, nil); st != 200 {
		t.Fatalf("raise hand: %d", st)
	}
	anna.do("GET", "/api/v1/staff/events/"+id, nil, &mod)
	if len(mod.Moderation.Hands) != 1 || mod.Moderation.Hands[0].ID != guest.id {
		t.Fatalf("hands: %+v", mod.Moderation.Hands)
	}
	told := func(v eventViewer, audio, video bool) {
		t.Helper()
		select {
		case p := <-v.peer.stages:
			var s struct{ Audio, Video bool }
			if json.Unmarshal(p, &s) != nil || s.Audio != audio || s.Video != video {
				t.Fatalf("stage notification %s, want audio %v video %v", p, audio, video)
			}
		case <-time.After(eventWait):
			t.Fatal("no stage notification")
		}
	}
	onStage := func(v eventViewer, on bool) {
		t.Helper()
		if st := anna.do("POST", "/api/v1/staff/events/"+id+"/stage", map[string]any{"viewer": v.id, "on_stage": on}, nil); st != 200 {
			t.Fatalf("stage %v: %d", on, st)
		}
		told(v, on, false)
	}
	stage := func(on bool) { t.Helper(); onStage(guest, on) }
	stage(true)
	guest.peer.sendAudio(t, "guest")
	if err := guest.peer.Renegotiate(); err != nil {
		t.Fatalf("on stage, publishing refused: %v", err)
	}
	for i, v := range viewers {
		if v.id == guest.id {
			continue
		}
		waitUntil(t, eventWait, fmt.Sprintf("viewer %d hears the viewer on stage", i), func() bool { return v.peer.heard("guest") > 5 })
	}
	browserHears(t, b, 2)
	if st := viewers[0].live.state(); !slices.Contains(st.Stage, guest.id) {
		t.Errorf("public state does not show the guest on stage: %+v", st)
	}

	// back to the audience: publishing refused again
	stage(false)
	guest.peer.sendAudio(t, "guest-again")
	if err := guest.peer.Renegotiate(); refusedCode(err) != -32001 {
		t.Errorf("viewer back in the audience publishing: %v, want code -32001", err)
	}

	// another viewer on stage; the moderator allows video: its camera is
	// taken; video taken back: it is told, and a camera is refused (a
	// refused offer leaves a pion client unable to offer again, so this
	// comes last)
	cam := viewers[3]
	onStage(cam, true)
	allowVideo := func(on bool) {
		t.Helper()
		draft["allow_video"] = on
		if st := anna.do("PUT", "/api/v1/staff/events/"+id, draft, nil); st != 200 {
			t.Fatalf("allow video %v: %d", on, st)
		}
		told(cam, true, on)
	}
	allowVideo(true)
	cam.peer.addCamera(t, "cam-camera")
	if err := cam.peer.Renegotiate(); err != nil {
		t.Fatalf("on stage with video allowed, the camera refused: %v", err)
	}
	allowVideo(false)
	cam.peer.addCamera(t, "cam-camera-again")
	if err := cam.peer.Renegotiate(); refusedCode(err) != -32001 {
		t.Errorf("camera after video was taken back: %v, want code -32001", err)
	}
}
