package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
)

// TestEventRegistrationAndStaffRules: an event may name a bookable
// service of its office, and its public page then links that booking;
// an unknown service is refused naming the field. A clerk of another
// office may not create or moderate the event; a cancelled event takes no
// viewers.
func TestEventRegistrationAndStaffRules(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true, Configure: configureBooking})
	anna := newClient(t, srv)
	anna.login("anna", srv.Clerks[0].Password)
	now := time.Now()
	draft := map[string]any{"office_id": "bauamt", "title": "Bauberatung offen", "starts_at": now.Add(24 * time.Hour),
		"ends_at": now.Add(25 * time.Hour), "service_id": "nosuch"}
	var e struct {
		Error struct{ Code, Field, Message string } `json:"error"`
	}
	if st := anna.do("POST", "/api/v1/staff/events", draft, &e); st != 422 || e.Error.Field != "service_id" || e.Error.Message == "" {
		t.Fatalf("unknown service: %d %+v", st, e)
	}
	draft["service_id"] = bookingService.ID
	var created struct {
		Event struct{ ID string } `json:"event"`
	}
	if st := anna.do("POST", "/api/v1/staff/events", draft, &created); st != 201 {
		t.Fatalf("create: %d", st)
	}
	var pub struct {
		Event struct {
			Status       string `json:"status"`
			Registration string `json:"registration_url"`
		} `json:"event"`
	}
	citizen := newClient(t, srv)
	if st := citizen.do("GET", "/api/v1/events/"+created.Event.ID, nil, &pub); st != 200 || pub.Event.Status != "upcoming" ||
		pub.Event.Registration != "/offices/bauamt/book?service="+bookingService.ID {
		t.Fatalf("public event: %d %+v", st, pub)
	}
	res, body := fetchPage(t, srv.Client(), srv.URL+"/events/"+created.Event.ID, nil)
	if res.StatusCode != 200 || !containsAll(body, `id="register"`, `href="/offices/bauamt/book?service=`+bookingService.ID+`"`) {
		t.Fatalf("event page without the registration link: %d", res.StatusCode)
	}

	// anna does not work in the Ausländerbehörde
	if st := anna.do("POST", "/api/v1/staff/events", map[string]any{"office_id": "auslaenderbehoerde", "title": "x",
		"starts_at": now, "ends_at": now.Add(time.Hour)}, &e); st != 403 || e.Error.Code != "event_not_moderator" {
		t.Fatalf("create for another office: %d %+v", st, e)
	}

	if st := anna.do("POST", "/api/v1/staff/events/"+created.Event.ID+"/cancel", nil, nil); st != 200 {
		t.Fatalf("cancel: %d", st)
	}
	if st := citizen.do("POST", "/api/v1/events/"+created.Event.ID+"/viewers", nil, &e); st != 410 || e.Error.Code != "event_cancelled" {
		t.Fatalf("join a cancelled event: %d %+v", st, e)
	}
	var list struct {
		Events []struct{ ID string } `json:"events"`
	}
	citizen.do("GET", "/api/v1/events", nil, &list)
	if len(list.Events) != 0 {
		t.Fatalf("cancelled event still listed: %+v", list)
	}
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
