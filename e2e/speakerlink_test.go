package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
)

// TestSpeakerLinkTokenInFragment: an external speaker's link carries its
// token after '#' (/speak#token), like the invite link (/join#token), so
// no request line, access log or Referer holds it. The page is /speak;
// the token goes to the API as bearer token, once; the old path forms are
// gone, and a request without a token gets the invalid-link problem.
func TestSpeakerLinkTokenInFragment(t *testing.T) {
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
	page, tok, ok := strings.Cut(invite.URL, "#")
	if !ok || tok == "" || !strings.HasSuffix(page, "/speak") {
		t.Fatalf("speaker link %q does not carry its token in the fragment of /speak", invite.URL)
	}
	if res, body := fetchPage(t, srv.Client(), page+"?lang=de", nil); res.StatusCode != 200 || !strings.Contains(body, `id="join"`) {
		t.Fatalf("speaker page: %d %.300s", res.StatusCode, body)
	}
	if res, _ := fetchPage(t, srv.Client(), srv.URL+"/speak/"+tok, nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("the token still works in the page's path: %d", res.StatusCode)
	}
	c := newClient(t, srv)
	if st := c.do("POST", "/api/v1/speaker-invites/"+tok, nil, nil); st == 201 {
		t.Errorf("the token still works in the API path")
	}
	if st := c.do("POST", "/api/v1/speaker-invites/redeem", nil, nil); st != http.StatusGone {
		t.Errorf("redeem without a token: %d, want 410", st)
	}
	c.token = tok
	var sp struct {
		EventID string `json:"event_id"`
		Token   string `json:"token"`
	}
	if st := c.do("POST", "/api/v1/speaker-invites/redeem", nil, &sp); st != 201 || sp.EventID != created.Event.ID || sp.Token == "" {
		t.Fatalf("redeem: %d %+v", st, sp)
	}
	if st := c.do("POST", "/api/v1/speaker-invites/redeem", nil, nil); st != http.StatusGone {
		t.Errorf("second use of the link: %d, want 410", st)
	}
}

// TestSpeakerLinkOfCancelledEvent: a speaker who opens the link after the
// event was cancelled learns that, not that the link is broken, and gets
// no session for an event that is gone.
func TestSpeakerLinkOfCancelledEvent(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true})
	anna := newClient(t, srv)
	anna.login("anna", srv.Clerks[0].Password)
	var created struct {
		Event struct{ ID string } `json:"event"`
	}
	now := time.Now()
	if st := anna.do("POST", "/api/v1/staff/events", map[string]any{"office_id": "bauamt", "title": "Bürgersprechstunde",
		"starts_at": now.Add(time.Hour), "ends_at": now.Add(2 * time.Hour), "speakers": []string{"anna"}}, &created); st != 201 {
		t.Fatalf("create event: %d", st)
	}
	var invite struct{ URL string }
	if st := anna.do("POST", "/api/v1/staff/events/"+created.Event.ID+"/speaker-invites", nil, &invite); st != 201 {
		t.Fatalf("speaker invite: %d", st)
	}
	if st := anna.do("POST", "/api/v1/staff/events/"+created.Event.ID+"/cancel", nil, nil); st != 200 {
		t.Fatalf("cancel: %d", st)
	}
	c := newClient(t, srv)
	_, c.token, _ = strings.Cut(invite.URL, "#")
	var p struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
		Token string `json:"token"`
	}
	if st := c.do("POST", "/api/v1/speaker-invites/redeem", nil, &p); st != http.StatusGone || p.Error.Code != "event_cancelled" || p.Token != "" {
		t.Errorf("redeem after the cancellation: %d %+v, want 410 event_cancelled", st, p)
	}
}
