package e2e

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/buergerbuero/buergerbuero/appliance/app"
	"github.com/buergerbuero/buergerbuero/appliance/apptest"
	"github.com/buergerbuero/buergerbuero/appliance/notify"
)

// fakeAppointments stands in for the appointments domain.
type fakeAppointments struct{ entries map[string][]notify.FeedEntry }

func (f fakeAppointments) FeedEntries(_ context.Context, s notify.FeedScope, from, to time.Time) ([]notify.FeedEntry, error) {
	var out []notify.FeedEntry
	for _, e := range f.entries[s.Kind()+":"+s.Subject()] {
		if !e.Start.Before(from) && e.Start.Before(to) {
			out = append(out, e)
		}
	}
	return out, nil
}

// TestStaffCalendarFeed: a clerk creates a feed of her office, a calendar
// program (no cookies) reads it as iCalendar with Berlin times, booking
// references and no personal data; she may not create one for an office
// or colleague not hers; only the token's hash is stored; a revoked feed
// answers 404.
func TestStaffCalendarFeed(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	start := time.Date(time.Now().Year()+1, 7, 14, 10, 15, 0, 0, berlin) // summer time
	if start.Sub(time.Now()) > 100*24*time.Hour {
		start = time.Now().Add(48 * time.Hour).In(berlin).Truncate(time.Hour)
	}
	fake := fakeAppointments{entries: map[string][]notify.FeedEntry{
		"office:bauamt": {
			{UID: "bk-1@testkreis", Start: start, Duration: 30 * time.Minute, Office: "Bauamt", Service: "Bauberatung", Reference: "T-7QK2"},
			{UID: "bk-2@testkreis", Start: start.Add(time.Hour), Duration: 15 * time.Minute, Office: "Bauamt", Service: "Bauberatung", Reference: "T-9XM4", Cancelled: true},
		},
	}}
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true, Prepare: func(a *app.App) { a.Appointments = fake }})
	anna := newClient(t, srv)
	anna.login("anna", "anna-passwort-123")
	for _, body := range []map[string]string{{"office_id": "auslaenderbehoerde"}, {"clerk": "ben"}} {
		if st := anna.do("POST", "/api/v1/staff/calendar-feeds", body, nil); st != 403 {
			t.Errorf("anna creates a feed %v: %d, want 403", body, st)
		}
	}
	if st := anna.do("POST", "/api/v1/staff/calendar-feeds", map[string]string{"office_id": "bauamt", "clerk": "anna"}, nil); st != 422 {
		t.Errorf("feed for office and clerk at once: %d, want 422", st)
	}
	var feed struct {
		ID  int64  `json:"id"`
		URL string `json:"url"`
	}
	if st := anna.do("POST", "/api/v1/staff/calendar-feeds", map[string]string{"office_id": "bauamt"}, &feed); st != 201 || !strings.HasPrefix(feed.URL, srv.URL+"/calendar/") {
		t.Fatalf("create feed: %d %+v", st, feed)
	}

	calendarApp := srv.Client() // no cookie jar: the token is the credential
	get := func(url string) (int, string, string) {
		res, err := calendarApp.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, res.Header.Get("Content-Type"), string(b)
	}
	st, ct, body := get(feed.URL)
	if st != 200 || !strings.HasPrefix(ct, "text/calendar") {
		t.Fatalf("GET feed: %d %s\n%s", st, ct, body)
	}
	cal, err := ics.ParseCalendar(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse feed: %v\n%s", err, body)
	}
	evs := cal.Events()
	if len(evs) != 2 {
		t.Fatalf("%d events, want 2:\n%s", len(evs), body)
	}
	dt := evs[0].GetProperty(ics.ComponentPropertyDtStart)
	if dt.Value != start.Format("20060102T150405") || dt.ICalParameters["TZID"][0] != "Europe/Berlin" {
		t.Errorf("DTSTART %+v, want %s Berlin time", dt, start.Format("20060102T150405"))
	}
	if s := evs[0].GetProperty(ics.ComponentPropertySummary).Value; !strings.Contains(s, "T-7QK2") {
		t.Errorf("summary %q lacks the booking reference", s)
	}
	if s := evs[1].GetProperty(ics.ComponentPropertyStatus).Value; s != "CANCELLED" {
		t.Errorf("cancelled appointment has status %q", s)
	}
	for _, leak := range []string{"Anna", "anna", "Schneider"} {
		if strings.Contains(body, leak) {
			t.Errorf("feed contains %q", leak)
		}
	}

	token := strings.TrimSuffix(strings.TrimPrefix(feed.URL, srv.URL+"/calendar/"), ".ics")
	filepath.Walk(srv.Config.Store.DataDir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			if b, _ := os.ReadFile(p); strings.Contains(string(b), token) {
				t.Errorf("%s contains the feed token; only its hash may be stored", p)
			}
		}
		return nil
	})
	if st, _, _ := get(srv.URL + "/calendar/" + strings.Repeat("A", len(token)) + ".ics"); st != http.StatusNotFound {
		t.Errorf("unknown token: %d, want 404", st)
	}
	if st := anna.do("DELETE", "/api/v1/staff/calendar-feeds/"+strconv.FormatInt(feed.ID, 10), nil, nil); st != 204 {
		t.Fatalf("revoke: %d", st)
	}
	if st, _, _ := get(feed.URL); st != http.StatusNotFound {
		t.Errorf("revoked feed: %d, want 404", st)
	}
}
