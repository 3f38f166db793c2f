package e2e

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
	"github.com/buergerbuero/buergerbuero/appliance/config"
)

// bookableAppliance is an appliance whose Bauamt and Ausländerbehörde
// book 15-minute "Personalausweis" slots round the clock (one reserved
// chair), without lead time; the join link opens 20 minutes before a slot,
// so the next slot (at most 15 minutes ahead) is always inside its window.
func bookableAppliance(t *testing.T) *apptest.Server {
	return apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true, Configure: func(c *config.Config) {
		c.Appointments.LeadTime = config.Duration{Duration: 0}
		c.Appointments.JoinBefore = config.Duration{Duration: 20 * time.Minute}
		for i := range c.Offices {
			if c.Offices[i].ID == "bauamt" || c.Offices[i].ID == "auslaenderbehoerde" {
				c.Offices[i].Services = []config.Service{{ID: "ausweis", Name: "Personalausweis", Duration: config.Duration{Duration: 15 * time.Minute}, Mode: "both"}}
				c.Offices[i].Appointments.Chairs = map[string]int{"mon": 1, "tue": 1, "wed": 1, "thu": 1, "fri": 1, "sat": 1, "sun": 1}
			}
		}
	}})
}

var berlinLoc, _ = time.LoadLocation("Europe/Berlin")

// nextSlot is the start of the next 15-minute slot after now.
func nextSlot() time.Time {
	return time.Now().Add(time.Second).Truncate(15 * time.Minute).Add(15 * time.Minute).In(berlinLoc)
}

// phoneBook books a slot as clerk ben (who phones for a citizen) and
// returns the booking id and the join token from the join link.
func phoneBook(t *testing.T, srv *apptest.Server, office string, start time.Time, concern string) (id, token string) {
	t.Helper()
	c := newClient(t, srv)
	c.token, c.actAs = srv.ServiceToken, "ben"
	var b struct {
		ID      string `json:"id"`
		JoinURL string `json:"join_url"`
	}
	body := map[string]string{"office": office, "service": "ausweis", "start": start.Format(time.RFC3339), "language": "de", "concern": concern}
	if st := c.do("POST", "/api/v1/staff/appointments", body, &b); st != 201 {
		t.Fatalf("phone booking at %s: status %d", start, st)
	}
	u, err := url.Parse(b.JoinURL)
	if err != nil || u.Path != "/a/"+b.ID || u.Fragment == "" {
		t.Fatalf("join link %q", b.JoinURL)
	}
	return b.ID, u.Fragment
}

// arrive posts the join token as the page /a/{id} does.
func arrive(t *testing.T, srv *apptest.Server, id, token string) (int, knockResult, apiError) {
	t.Helper()
	req, _ := http.NewRequest("POST", srv.URL+"/api/v1/bookings/"+id+"/arrive", strings.NewReader("{}"))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept-Language", "en")
	var k knockResult
	var e apiError
	st := doJSON(t, srv.Client(), req, &k, &e)
	return st, k, e
}

type staffQueue struct {
	Offices []struct {
		ID    string `json:"id"`
		Queue []struct {
			Number          string `json:"number"`
			State           string `json:"state"`
			Concern         string `json:"concern"`
			Service         string `json:"service"`
			AppointmentTime string `json:"appointment_time"`
		} `json:"queue"`
	} `json:"offices"`
}

func queueOf(t *testing.T, c *apiClient, office string) (numbers []string, first string, service, concern string) {
	t.Helper()
	var q staffQueue
	if st := c.do("GET", "/api/v1/staff/offices", nil, &q); st != 200 {
		t.Fatalf("staff offices: %d", st)
	}
	for _, o := range q.Offices {
		if o.ID != office {
			continue
		}
		for _, x := range o.Queue {
			numbers = append(numbers, x.Number)
		}
		if len(o.Queue) > 0 {
			first, service, concern = o.Queue[0].AppointmentTime, o.Queue[0].Service, o.Queue[0].Concern
		}
	}
	return
}

type dayList struct {
	Appointments []struct {
		ID           string `json:"id"`
		Time         string `json:"time"`
		State        string `json:"state"`
		TicketNumber string `json:"ticket_number"`
		ServiceName  string `json:"service_name"`
		Concern      string `json:"concern"`
	} `json:"appointments"`
}

// TestArrivalGoesFirstAheadOfWalkIns: two citizens knock; then a booked
// citizen opens the join link in the slot's window and gets a ticket
// ahead of both, with "Termin HH:MM", service and concern for the clerk.
// Opening the link again gives the same ticket; the order survives a
// restart; the day view shows the arrival, and the concern only to the
// office's clerks.
func TestArrivalGoesFirstAheadOfWalkIns(t *testing.T) {
	srv := bookableAppliance(t)
	walkIn := newClient(t, srv)
	first, second := walkIn.knock("bauamt", "Bauantrag abgeben"), walkIn.knock("bauamt", "Frage zur Baulast")
	slot := nextSlot()
	id, tok := phoneBook(t, srv, "bauamt", slot, "Ausweis verloren")

	if st, _, e := arrive(t, srv, id, "not-the-token"); st != 401 || e.Error.Code != "booking_token_invalid" {
		t.Fatalf("wrong token: %d %s", st, e)
	}
	// the citizen taps the link on two devices at once: one ticket
	type answer struct {
		st int
		k  knockResult
		e  apiError
	}
	answers := make(chan answer, 4)
	for range 4 {
		go func() {
			st, k, e := arrive(t, srv, id, tok)
			answers <- answer{st, k, e}
		}()
	}
	var k knockResult
	for range 4 {
		a := <-answers
		if a.st != 200 || a.k.Token == "" || (k.ID != "" && a.k.ID != k.ID) {
			t.Fatalf("concurrent arrivals: %d %+v %s (other: %s)", a.st, a.k, a.e, k.ID)
		}
		k = a.k
	}
	if k.Place != 1 {
		t.Fatalf("the arrival is at place %d, want 1", k.Place)
	}
	for want, w := range map[int]knockResult{2: first, 3: second} {
		c := newClient(t, srv)
		c.token = w.Token
		var v struct{ Place int }
		if st := c.do("GET", "/api/v1/tickets/"+w.ID, nil, &v); st != 200 || v.Place != want {
			t.Errorf("walk-in %s: place %d (status %d), want %d", w.Number, v.Place, st, want)
		}
	}
	if st, again, _ := arrive(t, srv, id, tok); st != 200 || again.ID != k.ID || again.Token != k.Token || again.Number != k.Number {
		t.Fatalf("second opening: %d %+v, want ticket %s", st, again, k.ID)
	}
	// the waiting room accepts the ticket token like a knock's
	citizen := newClient(t, srv)
	citizen.token = k.Token
	if st := citizen.do("GET", "/api/v1/tickets/"+k.ID, nil, nil); st != 200 {
		t.Fatalf("waiting room with the arrival's token: %d", st)
	}

	ben := newClient(t, srv)
	ben.login("ben", "ben-passwort-1234")
	hhmm := slot.Format("15:04")
	order := []string{k.Number, first.Number, second.Number}
	numbers, at, service, concern := queueOf(t, ben, "bauamt")
	if strings.Join(numbers, " ") != strings.Join(order, " ") || at != hhmm || service != "Personalausweis" || concern != "Ausweis verloren" {
		t.Fatalf("clerk's queue %v, first: Termin %q %q %q; want %v, Termin %s", numbers, at, service, concern, order, hhmm)
	}

	srv.Restart()
	ben = newClient(t, srv)
	ben.login("ben", "ben-passwort-1234")
	if numbers, at, _, _ := queueOf(t, ben, "bauamt"); strings.Join(numbers, " ") != strings.Join(order, " ") || at != hhmm {
		t.Fatalf("after a restart: %v (Termin %q), want %v", numbers, at, order)
	}
	if st, again, _ := arrive(t, srv, id, tok); st != 200 || again.ID != k.ID || again.Place != 1 {
		t.Fatalf("opening after a restart: %d %+v", st, again)
	}

	// the day view: ben (member of both offices) sees the concern, anna
	// (no member of the Ausländerbehörde) sees times and states only
	otherID, _ := phoneBook(t, srv, "auslaenderbehoerde", slot.Add(24*time.Hour), "Aufenthaltstitel verlängern")
	day := slot.Format("2006-01-02")
	var v dayList
	if st := ben.do("GET", "/api/v1/staff/appointments?office=bauamt&day="+day, nil, &v); st != 200 || len(v.Appointments) != 1 {
		t.Fatalf("day view: %d %+v", st, v)
	}
	if a := v.Appointments[0]; a.ID != id || a.State != "arrived" || a.TicketNumber != k.Number || a.Time != hhmm || a.ServiceName != "Personalausweis" || a.Concern != "Ausweis verloren" {
		t.Fatalf("day view entry %+v", a)
	}
	anna := newClient(t, srv)
	anna.login("anna", "anna-passwort-123")
	next := slot.Add(24 * time.Hour).Format("2006-01-02")
	v = dayList{}
	if st := anna.do("GET", "/api/v1/staff/appointments?office=auslaenderbehoerde&day="+next, nil, &v); st != 200 || len(v.Appointments) != 1 {
		t.Fatalf("day view of another office: %d %+v", st, v)
	}
	if a := v.Appointments[0]; a.ID != otherID || a.State != "upcoming" || a.Concern != "" {
		t.Fatalf("another office's appointment as anna: %+v (no concern expected)", a)
	}
	v = dayList{}
	ben.do("GET", "/api/v1/staff/appointments?office=auslaenderbehoerde&day="+next, nil, &v)
	if len(v.Appointments) != 1 || v.Appointments[0].Concern != "Aufenthaltstitel verlängern" {
		t.Fatalf("the office's own clerk: %+v", v)
	}
}

// doJSON sends req and decodes the answer into ok (2xx) or fail.
func doJSON(t *testing.T, hc *http.Client, req *http.Request, ok, fail any) int {
	t.Helper()
	req.Header.Set("Origin", strings.TrimSuffix(req.URL.Scheme+"://"+req.URL.Host, "/"))
	res, err := hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	target := fail
	if res.StatusCode < 300 {
		target = ok
	}
	json.NewDecoder(res.Body).Decode(target)
	return res.StatusCode
}
