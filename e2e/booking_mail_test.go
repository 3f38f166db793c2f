package e2e

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/buergerbuero/buergerbuero/appliance/appointments"
	"github.com/buergerbuero/buergerbuero/appliance/apptest"
	"github.com/buergerbuero/buergerbuero/appliance/config"
	"github.com/buergerbuero/buergerbuero/appliance/notify/smtptest"
)

// TestBookingByMail: a citizen holds a slot, takes the code from the
// e-mail a real SMTP relay received, confirms with it, gets the
// confirmation with an .ics (REQUEST, Berlin time) and, after cancelling
// with the token, the cancellation (CANCEL, same UID, higher SEQUENCE) —
// each mail once. The clerk's calendar feed shows the booking by its
// reference, confirmed and then cancelled.
func TestBookingByMail(t *testing.T) {
	relay := smtptest.Start(t)
	ca := filepath.Join(t.TempDir(), "relay-ca.pem")
	os.WriteFile(ca, relay.CertPEM, 0o600)
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true, Configure: func(c *config.Config) {
		c.Notify = &config.Notify{Email: &config.NotifyEmail{Host: relay.Host, Port: relay.Port, TLS: "starttls", CAFile: ca,
			Username: relay.User, Password: relay.Password, From: "Testkreis <termine@testkreis.example>"}}
		c.Appointments.LeadTime = config.Duration{Duration: 0}
		for i := range c.Offices {
			if c.Offices[i].ID == "bauamt" {
				c.Offices[i].Services = []config.Service{{ID: "beratung", Name: "Bauberatung", Duration: config.Duration{Duration: time.Hour}, Mode: "booking"}}
				c.Offices[i].Appointments.Chairs = map[string]int{"mon": 1, "tue": 1, "wed": 1, "thu": 1, "fri": 1, "sat": 1, "sun": 1}
			}
		}
	}})
	hc := srv.Client()
	berlin, _ := time.LoadLocation("Europe/Berlin")
	day := time.Now().In(berlin).AddDate(0, 0, 3).Format("2006-01-02")
	resp, err := hc.Get(srv.URL + "/api/v1/offices/bauamt/services/beratung/slots?from=" + day + "&to=" + day + "T23:59:59%2B00:00")
	if err != nil {
		t.Fatal(err)
	}
	var slots struct{ Slots []appointments.Slot }
	json.NewDecoder(resp.Body).Decode(&slots)
	resp.Body.Close()
	if len(slots.Slots) < 12 {
		t.Fatalf("%d slots on %s", len(slots.Slots), day)
	}
	slot := slots.Slots[10].Start
	post := func(path, token, body string, out any) int {
		t.Helper()
		req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader(body))
		if body == "" {
			req, _ = http.NewRequest("DELETE", srv.URL+path, nil)
		}
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if out != nil {
			json.NewDecoder(res.Body).Decode(out)
		}
		return res.StatusCode
	}
	var hold struct{ ID string }
	if st := post("/api/v1/offices/bauamt/holds", "", `{"service":"beratung","start":"`+slot.Format(time.RFC3339)+
		`","contact":"erika@example.org","language":"de","proof_of_work":"`+solvePoW(t, hc, srv.URL)+`"}`, &hold); st != 201 {
		t.Fatalf("hold: %d", st)
	}

	mailN := func(n int) smtptest.Mail {
		t.Helper()
		got := relay.Wait(n, 20*time.Second)
		if len(got) < n {
			t.Fatalf("relay has %d mails, want %d", len(got), n)
		}
		m, err := smtptest.Parse(got[n-1].Data)
		if err != nil {
			t.Fatal(err)
		}
		if got[n-1].To[0] != "erika@example.org" {
			t.Errorf("mail %d to %v", n, got[n-1].To)
		}
		return m
	}
	codeMail := mailN(1)
	code := regexp.MustCompile(`Ihr Bestätigungscode: (\S+)`).FindStringSubmatch(codeMail.Subject)
	if code == nil {
		t.Fatalf("code mail subject %q", codeMail.Subject)
	}
	var booking struct {
		ID          string `json:"id"`
		CancelToken string `json:"cancel_token"`
	}
	if st := post("/api/v1/holds/"+hold.ID+"/confirm", "", `{"code":"`+code[1]+`"}`, &booking); st != 201 {
		t.Fatalf("confirm with the code from the mail: %d", st)
	}

	event := func(m smtptest.Mail, method string) *ics.VEvent {
		t.Helper()
		if !strings.Contains(m.Types["text/calendar"], "method="+method) {
			t.Fatalf("%q: no text/calendar; method=%s part (%v)", m.Subject, method, m.Types)
		}
		cal, err := ics.ParseCalendar(strings.NewReader(m.Parts["text/calendar"]))
		if err != nil || len(cal.Events()) != 1 {
			t.Fatalf("%q: calendar %v", m.Subject, err)
		}
		ev := cal.Events()[0]
		dt := ev.GetProperty(ics.ComponentPropertyDtStart)
		if dt.Value != slot.In(berlin).Format("20060102T150405") || dt.ICalParameters["TZID"][0] != "Europe/Berlin" {
			t.Errorf("%q: DTSTART %+v, want %s Berlin time", m.Subject, dt, slot.In(berlin).Format("15:04"))
		}
		return ev
	}
	conf := mailN(2)
	wantTime := slot.In(berlin).Format("15:04")
	if !strings.HasPrefix(conf.Subject, "Termin bestätigt:") || !strings.Contains(conf.Subject, wantTime) ||
		!strings.Contains(conf.Parts["text/plain"], "/cancel") {
		t.Errorf("confirmation %q (want %s) without cancel link:\n%s", conf.Subject, wantTime, conf.Parts["text/plain"])
	}
	req := event(conf, "REQUEST")

	// the clerk's calendar feed lists the booking by reference, no name
	anna := newClient(t, srv)
	anna.login("anna", "anna-passwort-123")
	var feed struct{ URL string }
	if st := anna.do("POST", "/api/v1/staff/calendar-feeds", map[string]string{"clerk": "anna"}, &feed); st != 201 {
		t.Fatalf("create feed: %d", st)
	}
	feedEvent := func() *ics.VEvent {
		t.Helper()
		res, err := srv.Client().Get(feed.URL)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		cal, err := ics.ParseCalendar(res.Body)
		if err != nil || len(cal.Events()) != 1 {
			t.Fatalf("feed: %v, want one event", err)
		}
		ev := cal.Events()[0]
		body := cal.Serialize()
		if !strings.Contains(body, booking.ID) || !strings.Contains(body, "Bauberatung") || strings.Contains(body, "erika") ||
			ev.GetProperty(ics.ComponentPropertyDtStart).Value != slot.In(berlin).Format("20060102T150405") {
			t.Errorf("feed event:\n%s", body)
		}
		return ev
	}
	if st := feedEvent().GetProperty(ics.ComponentPropertyStatus).Value; st != "CONFIRMED" {
		t.Errorf("feed status %s before the cancellation", st)
	}

	if st := post("/api/v1/bookings/"+booking.ID, booking.CancelToken, "", nil); st != 204 {
		t.Fatalf("cancel: %d", st)
	}
	cancel := mailN(3)
	if !strings.HasPrefix(cancel.Subject, "Termin abgesagt:") || !strings.Contains(cancel.Parts["text/plain"], "/book") {
		t.Errorf("cancellation %q without rebook link:\n%s", cancel.Subject, cancel.Parts["text/plain"])
	}
	can := event(cancel, "CANCEL")
	seq := func(ev *ics.VEvent) int {
		n, _ := strconv.Atoi(ev.GetProperty(ics.ComponentPropertySequence).Value)
		return n
	}
	if can.Id() != req.Id() || seq(can) <= seq(req) || can.GetProperty(ics.ComponentPropertyStatus).Value != "CANCELLED" {
		t.Errorf("cancel UID %s SEQUENCE %d, confirmation UID %s SEQUENCE %d", can.Id(), seq(can), req.Id(), seq(req))
	}
	if st := feedEvent().GetProperty(ics.ComponentPropertyStatus).Value; st != "CANCELLED" {
		t.Errorf("feed status %s after the cancellation", st)
	}
	if n := len(relay.Messages()); n != 3 {
		t.Errorf("relay received %d mails, want 3 (code, confirmation, cancellation)", n)
	}
}
