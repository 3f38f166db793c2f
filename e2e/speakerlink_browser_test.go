package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
)

// TestSpeakerLinkInBrowser: an external speaker opens the link from the
// staff console (/speak#token) and joins; the page is in the event, and
// the token never reached the server (no request line, WebSocket URL or
// Referer holds it). A second person with the same link gets a sentence
// saying the link is used up, not a code.
func TestSpeakerLinkInBrowser(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true})
	anna := newClient(t, srv)
	anna.login("anna", srv.Clerks[0].Password)
	var created struct {
		Event struct{ ID string } `json:"event"`
	}
	now := time.Now()
	if st := anna.do("POST", "/api/v1/staff/events", map[string]any{"office_id": "bauamt", "title": "Bürgersprechstunde",
		"starts_at": now.Add(-time.Minute), "ends_at": now.Add(time.Hour), "speakers": []string{"anna"}}, &created); st != 201 {
		t.Fatalf("create event: %d", st)
	}
	var invite struct{ URL string }
	if st := anna.do("POST", "/api/v1/staff/events/"+created.Event.ID+"/speaker-invites", nil, &invite); st != 201 {
		t.Fatalf("speaker invite: %d", st)
	}
	page, token, _ := strings.Cut(invite.URL, "#")
	open := newBrowser(t, srv.CertPEM)
	speaker, late := open(), open()
	var log sentRequests
	log.listen(t, speaker)
	var event string
	step(t, speaker, "open the speaker link and join", chromedp.Navigate(invite.URL), chromedp.WaitVisible("#join", chromedp.ByID),
		chromedp.Click("#join", chromedp.ByID), chromedp.WaitReady("#event[data-viewer]", chromedp.ByQuery),
		chromedp.Evaluate(`JSON.parse(sessionStorage.getItem('bb_event_speaker')).event`, &event))
	if event != created.Event.ID {
		t.Errorf("the speaker joined event %q, want %q", event, created.Event.ID)
	}
	var redeemed bool
	for _, s := range log.all() {
		if strings.Contains(s, token) {
			t.Errorf("the speaker's token was sent to the server: %s", s)
		}
		redeemed = redeemed || strings.HasSuffix(s, "/api/v1/speaker-invites/redeem")
	}
	if !redeemed {
		t.Errorf("no redemption in the requests: %v", log.all())
	}
	var msg string
	step(t, late, "the same link a second time", chromedp.Navigate(page+"?lang=de#"+token), chromedp.WaitVisible("#join", chromedp.ByID),
		chromedp.Click("#join", chromedp.ByID), chromedp.WaitVisible("#error", chromedp.ByID), chromedp.Text("#error", &msg, chromedp.ByID))
	if !strings.Contains(msg, "schon benutzt") {
		t.Errorf("second use says %q", msg)
	}
}
