package e2e

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
)

// sfuProbeJS joins the room's SFU from the page with a fresh admission of
// the page's participant, offering the given media ('audio', 'video'),
// and returns the JSON-RPC error code (0: joined). It is what a modified
// client could send; the SFU must refuse what the role may not publish.
func sfuProbeJS(kinds string) string {
	return `(async () => {
  const p = JSON.parse(sessionStorage.getItem('bb_participant'));
  const g = await (await fetch('/api/v1/rooms/' + encodeURIComponent(p.room) + '/media', {headers: {Authorization: 'Bearer ' + p.token}})).json();
  const want = ` + jsString(kinds) + `;
  const stream = await navigator.mediaDevices.getUserMedia({audio: want.includes('audio'), video: want.includes('video')});
  const pc = new RTCPeerConnection();
  for (const t of stream.getTracks()) pc.addTrack(t, stream);
  await pc.setLocalDescription(await pc.createOffer());
  const ws = new WebSocket(g.signal_url);
  await new Promise((ok, fail) => { ws.onopen = ok; ws.onerror = fail; });
  const reply = new Promise((ok) => { ws.onmessage = (ev) => { const m = JSON.parse(ev.data); if (m.id === 1) ok(m); }; });
  ws.send(JSON.stringify({jsonrpc: '2.0', id: 1, method: 'join', params: {sid: p.room, uid: 'probe-' + want, offer: pc.localDescription}}));
  const m = await reply;
  ws.close(); pc.close(); stream.getTracks().forEach((t) => t.stop());
  return m.error ? m.error.code : 0;
})()`
}

// sentRequests records every URL a browser context requests (pages, API,
// WebSockets) and every Referer it sends: what a server or proxy sees.
type sentRequests struct {
	mu   sync.Mutex
	seen []string
}

func (l *sentRequests) listen(t *testing.T, ctx context.Context) {
	chromedp.ListenTarget(ctx, func(ev any) {
		l.mu.Lock()
		defer l.mu.Unlock()
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			l.seen = append(l.seen, e.Request.URL)
			if ref, ok := e.Request.Headers["Referer"].(string); ok {
				l.seen = append(l.seen, "Referer: "+ref)
			}
		case *network.EventWebSocketCreated:
			l.seen = append(l.seen, e.URL)
		}
	})
	step(t, ctx, "record requests", network.Enable())
}

func (l *sentRequests) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.seen...)
}

// TestGuardianLinkGivesOnlyItsRights: in an office where guardians may
// only talk and chat, the clerk invites a guardian from the room page; the
// guardian's link works once, with the token never in a request the
// server sees; the page offers no camera, no file field and no download,
// and the server refuses an upload and a download anyway; the SFU refuses
// a camera the guardian's client offers against the rules, while the
// guardian hears and sees the others; after the end the guardian is out
// and an unused link is void.
func TestGuardianLinkGivesOnlyItsRights(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true, Configure: guardianChatOnly})
	open := newSharedBrowser(t, srv.CertPEM)
	citizen, clerk, guardian, stranger := open(), open(), open(), open()
	step(t, citizen, "knock", chromedp.Navigate(srv.URL+"/offices/buergerbuero"),
		chromedp.SendKeys("#concern", "Wohngeld für meine Mutter", chromedp.ByID),
		chromedp.Click("#knock button[type=submit]", chromedp.ByQuery), chromedp.WaitVisible("#number", chromedp.ByID))
	login(t, clerk, srv.URL, "anna", srv.Clerks[0].Password)
	step(t, clerk, "admit", chromedp.Click(`li.ticket[data-number="B-001"] button[data-action=admit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`button[data-action="consent"]`, chromedp.ByQuery))
	step(t, clerk, "clerk consents", chromedp.Click(`button[data-action="consent"]`, chromedp.ByQuery))
	step(t, citizen, "citizen consents", chromedp.WaitVisible(`button[data-action="consent"]`, chromedp.ByQuery), chromedp.Click(`button[data-action="consent"]`, chromedp.ByQuery))
	var room string
	var ok bool
	step(t, clerk, "room", chromedp.AttributeValue("#room", "data-room", &room, &ok, chromedp.ByID))

	// the clerk invites a guardian from the room page, role picked by its label
	var link, label string
	step(t, clerk, "invite a guardian", chromedp.Click(`#actions button[data-action=invite]`, chromedp.ByQuery),
		chromedp.WaitVisible("#invite-form", chromedp.ByID), chromedp.SetValue("#invite-role", "guardian", chromedp.ByID),
		chromedp.TextContent(`#invite-role option[value=guardian]`, &label, chromedp.ByQuery),
		chromedp.SendKeys("#invite-name", "Petra Vogt", chromedp.ByID), chromedp.Click("#invite-form button[type=submit]", chromedp.ByQuery),
		chromedp.WaitVisible(`#actions .invite[data-role=guardian] code`, chromedp.ByQuery), chromedp.Text(`#actions .invite[data-role=guardian] code`, &link, chromedp.ByQuery))
	if !strings.HasPrefix(link, srv.URL+"/join#") || label != "Betreuer·in oder Beistand" {
		t.Fatalf("invite link %q, role offered as %q", link, label)
	}
	token := tokenOf(t, link)

	var log sentRequests
	log.listen(t, guardian)
	joinByLink(t, guardian, link)
	step(t, guardian, "guardian consents", chromedp.WaitVisible(`button[data-action="consent"]`, chromedp.ByQuery), chromedp.Click(`button[data-action="consent"]`, chromedp.ByQuery))
	decoded(t, guardian, "guardian sees clerk and citizen", 2)

	// the page offers only what the role may do
	var camButtons, shareButtons int
	var fileHidden, concernHidden bool
	step(t, guardian, "controls of the role",
		chromedp.WaitVisible(`button[data-action="mute"]`, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll('button[data-action=camera]').length`, &camButtons),
		chromedp.Evaluate(`document.querySelectorAll('button[data-action=share]').length`, &shareButtons),
		chromedp.Evaluate(`document.getElementById('document-form').hidden`, &fileHidden),
		chromedp.Evaluate(`document.getElementById('concern-box').hidden`, &concernHidden))
	if camButtons != 0 || shareButtons != 0 || !fileHidden || !concernHidden {
		t.Errorf("guardian page: %d camera and %d share buttons, file field hidden %v, concern hidden %v", camButtons, shareButtons, fileHidden, concernHidden)
	}
	say(t, guardian, "Guten Tag, ich bin die Betreuerin.")
	see(t, clerk, "Guten Tag, ich bin die Betreuerin.")
	var author string
	step(t, clerk, "the guardian named by role", chromedp.Text(`#messages li[data-role=guardian] .author`, &author, chromedp.ByQuery))
	if !strings.Contains(author, "Betreuer·in oder Beistand – Petra Vogt") {
		t.Errorf("the clerk sees the guardian as %q", author)
	}

	// files: named, not offered; the server refuses both ways
	anna := staffAs(t, srv, "anna")
	_, fileID := upload(t, anna, "/api/v1/rooms/"+room+"/files", []byte("%PDF-1.4 Bescheid"))
	step(t, guardian, "the file is named without a download", chromedp.WaitVisible(`#messages [data-file=no-download]`, chromedp.ByQuery))
	if st := evalInt(t, guardian, "download anyway", participantFetchJS("GET", "/api/v1/rooms/{room}/files/"+fileID, "")); st != 403 {
		t.Errorf("guardian downloads: %d, want 403", st)
	}
	if st := evalInt(t, guardian, "upload anyway", participantFetchJS("POST", "/api/v1/rooms/{room}/files", "%PDF-1.4 Vollmacht")); st != 403 {
		t.Errorf("guardian uploads: %d, want 403", st)
	}
	if _, msgs := messagesOf(t, anna, room); len(msgs) == 0 || strings.Contains(msgs[len(msgs)-1].Text, "Vollmacht") || msgs[len(msgs)-1].File == nil || msgs[len(msgs)-1].File.ID != fileID {
		t.Errorf("the refused upload left a trace in the chat: %+v", msgs)
	}

	// the SFU refuses a camera; the microphone is fine
	if code := evalInt(t, guardian, "offer a camera to the SFU", sfuProbeJS("audio+video")); code != -32001 {
		t.Errorf("the SFU answered a guardian's camera with %d, want -32001", code)
	}
	if code := evalInt(t, guardian, "offer a microphone to the SFU", sfuProbeJS("audio")); code != 0 {
		t.Errorf("the SFU refused a guardian's microphone: %d", code)
	}

	// the invite token never reached a server: not in a request line, a
	// WebSocket URL or a Referer
	seen := log.all()
	var redeemed bool
	for _, s := range seen {
		if strings.Contains(s, token) {
			t.Errorf("the invite token was sent to the server: %s", s)
		}
		redeemed = redeemed || strings.HasSuffix(s, "/api/v1/invites/redeem")
	}
	if !redeemed {
		t.Fatalf("the request log missed the redemption: %v", seen)
	}

	// the end: the guardian is out, an unused link is void
	unused := inviteAs(t, anna, room, "guardian", "", "")
	var info struct {
		Room struct {
			TicketID string `json:"ticket_id"`
		} `json:"room"`
	}
	if st := anna.do("GET", "/api/v1/rooms/"+room, nil, &info); st != 200 {
		t.Fatalf("room: %d", st)
	}
	if st := anna.do("POST", "/api/v1/staff/tickets/"+info.Room.TicketID+"/end", map[string]any{}, nil); st != 200 {
		t.Fatalf("end: %d", st)
	}
	step(t, guardian, "the guardian's page ends", chromedp.WaitNotVisible("#chat-form", chromedp.ByID))
	if st := evalInt(t, guardian, "room after the end", participantFetchJS("GET", "/api/v1/rooms/{room}", "")); st != 403 {
		t.Errorf("guardian reads the room after the end: %d", st)
	}
	var errText string
	step(t, stranger, "unused link after the end", chromedp.Navigate(unused), chromedp.WaitVisible("#join", chromedp.ByID),
		chromedp.Click("#join", chromedp.ByID), chromedp.WaitVisible("#error", chromedp.ByID), chromedp.Text("#error", &errText, chromedp.ByID))
	if !strings.Contains(errText, "abgelaufen oder wurde bereits benutzt") {
		t.Errorf("unused link after the end: %q", errText)
	}
}
