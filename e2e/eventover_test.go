package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
)

// TestEventWatchPageAfterCancel: the viewer page of a cancelled event says
// so at once and offers no "start watching" that could only fail; it links
// back to the list of events instead of leaving a dead end.
func TestEventWatchPageAfterCancel(t *testing.T) {
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
	watch := srv.URL + "/events/" + created.Event.ID + "/watch?lang=de"
	if _, body := fetchPage(t, srv.Client(), watch, nil); !strings.Contains(body, `<div id="join-box">`) {
		t.Fatalf("an upcoming event offers no way to watch: %.400s", body)
	}
	if st := anna.do("POST", "/api/v1/staff/events/"+created.Event.ID+"/cancel", nil, nil); st != 200 {
		t.Fatalf("cancel: %d", st)
	}
	res, body := fetchPage(t, srv.Client(), watch, nil)
	if res.StatusCode != 200 {
		t.Fatalf("watch page: %d", res.StatusCode)
	}
	if !strings.Contains(body, `aria-live="polite">Abgesagt</p>`) {
		t.Errorf("the watch page of a cancelled event does not say it is cancelled")
	}
	if !strings.Contains(body, `<div id="join-box" hidden>`) {
		t.Errorf("the watch page of a cancelled event still offers to start watching")
	}
	if !strings.Contains(body, `<a href="/events">`) {
		t.Errorf("the watch page of a cancelled event leads nowhere")
	}
}
