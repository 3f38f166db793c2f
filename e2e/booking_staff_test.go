package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
	"github.com/buergerbuero/buergerbuero/appliance/config"
)

// TestClerksBookCancelAndBlockForTheirOfficeOnly: the staff booking API
// checks office membership (Anna is no member of the Ausländerbehörde,
// Ben is), books for a phoning citizen, cancels with a message, and a
// block removes slots from the public calendar.
func TestClerksBookCancelAndBlockForTheirOfficeOnly(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true, Configure: func(c *config.Config) {
		c.Appointments.LeadTime = config.Duration{Duration: 0}
		for i := range c.Offices {
			if c.Offices[i].ID == "auslaenderbehoerde" {
				c.Offices[i].Services = []config.Service{{ID: "titel", Name: "Aufenthaltstitel", Duration: config.Duration{Duration: time.Hour}, Mode: "booking"}}
				c.Offices[i].Appointments.Chairs = map[string]int{"mon": 1, "tue": 1, "wed": 1, "thu": 1, "fri": 1, "sat": 1, "sun": 1}
			}
		}
	}})
	hc := srv.Client()
	call := func(actAs, path, body string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+srv.ServiceToken)
		req.Header.Set("X-Act-As", actAs)
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	loc, _ := time.LoadLocation("Europe/Berlin")
	day := time.Now().In(loc).AddDate(0, 0, 2)
	slot := time.Date(day.Year(), day.Month(), day.Day(), 10, 0, 0, 0, loc).Format(time.RFC3339)
	book := `{"office":"auslaenderbehoerde","service":"titel","start":"` + slot + `","contact":"+49 171 2345678","language":"ar"}`
	if st, body := call("anna", "/api/v1/staff/appointments", book); st != 403 {
		t.Fatalf("booking by a clerk of another office: %d %v", st, body)
	}
	st, body := call("ben", "/api/v1/staff/appointments", book)
	if st != 201 {
		t.Fatalf("phone booking: %d %v", st, body)
	}
	id := body["id"].(string)
	if st, _ := call("anna", "/api/v1/staff/appointments/"+id+"/cancel", `{"reason":"x"}`); st != 403 {
		t.Fatalf("cancel by a clerk of another office: %d", st)
	}
	if st, body := call("ben", "/api/v1/staff/appointments/"+id+"/cancel", `{"reason":"Die Sachbearbeiterin ist erkrankt."}`); st != 204 {
		t.Fatalf("cancel: %d %v", st, body)
	}
	dayStart := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, loc)
	block := `{"office":"auslaenderbehoerde","start":"` + dayStart.Format(time.RFC3339) + `","end":"` + time.Date(day.Year(), day.Month(), day.Day(), 12, 0, 0, 0, loc).Format(time.RFC3339) + `","chairs":-1}`
	if st, body := call("ben", "/api/v1/staff/appointments/capacity", block); st != 204 {
		t.Fatalf("block: %d %v", st, body)
	}
	resp, err := hc.Get(srv.URL + "/api/v1/offices/auslaenderbehoerde/services/titel/slots?from=" + dayStart.Format("2006-01-02") + "&to=" + dayStart.AddDate(0, 0, 1).Format("2006-01-02"))
	if err != nil {
		t.Fatal(err)
	}
	var slots struct{ Slots []struct{ Start time.Time } }
	json.NewDecoder(resp.Body).Decode(&slots)
	resp.Body.Close()
	if len(slots.Slots) != 12 || slots.Slots[0].Start.In(loc).Hour() != 12 {
		t.Fatalf("after blocking the morning: %d slots from %v, want 12 from 12:00", len(slots.Slots), slots.Slots)
	}
}
