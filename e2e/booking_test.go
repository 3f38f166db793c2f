package e2e

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/appointments"
	"github.com/buergerbuero/buergerbuero/appliance/apptest"
	"github.com/buergerbuero/buergerbuero/appliance/config"
)

// TestBookingInTheAppliance: a real appliance with a bookable service
// lists it and its slots, refuses holds while no proof-of-work verifier is
// configured, and after a restart never gives a booked chair out again.
func TestBookingInTheAppliance(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true, Configure: func(c *config.Config) {
		c.Appointments.LeadTime = config.Duration{Duration: 0}
		for i := range c.Offices {
			if c.Offices[i].ID == "bauamt" {
				c.Offices[i].Services = []config.Service{{ID: "beratung", Name: "Bauberatung", Duration: config.Duration{Duration: time.Hour}, Mode: "booking"}}
				c.Offices[i].Appointments.Chairs = map[string]int{"mon": 1, "tue": 1, "wed": 1, "thu": 1, "fri": 1, "sat": 1, "sun": 1}
			}
		}
	}})
	hc := srv.Client()
	get := func(path string, v any) int {
		t.Helper()
		resp, err := hc.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		json.NewDecoder(resp.Body).Decode(v)
		return resp.StatusCode
	}
	var services struct{ Services []struct{ ID string } }
	if st := get("/api/v1/offices/bauamt/services", &services); st != 200 || len(services.Services) != 1 || services.Services[0].ID != "beratung" {
		t.Fatalf("services: %d %+v", st, services)
	}
	loc, _ := time.LoadLocation("Europe/Berlin")
	tomorrow := time.Now().In(loc).AddDate(0, 0, 1).Format("2006-01-02")
	slotsPath := "/api/v1/offices/bauamt/services/beratung/slots?from=" + tomorrow + "&to=" + tomorrow + "T23:59:59%2B00:00"
	var slots struct{ Slots []appointments.Slot }
	if st := get(slotsPath, &slots); st != 200 || len(slots.Slots) < 20 {
		t.Fatalf("slots tomorrow: %d, %d slots", st, len(slots.Slots))
	}
	slot := slots.Slots[3].Start

	body := `{"service":"beratung","start":"` + slot.Format(time.RFC3339) + `","contact":"a@example.org","proof_of_work":"x"}`
	resp, err := hc.Post(srv.URL+"/api/v1/offices/bauamt/holds", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var problem struct{ Error struct{ Code string } }
	json.NewDecoder(resp.Body).Decode(&problem)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || problem.Error.Code != "proof_of_work_unavailable" {
		t.Fatalf("hold without a verifier: %d %q", resp.StatusCode, problem.Error.Code)
	}

	// book the slot through the domain (the proof of work is the web's)
	ctx := context.Background()
	h, err := srv.App.Book.Hold(ctx, appointments.HoldRequest{Office: "bauamt", Service: "beratung", Start: slot, Contact: "a@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(srv.Config.Store.DataDir, "buergerbuero.db")+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var payload string
	if err := db.QueryRow(`SELECT payload FROM outbox WHERE dedupe_key = ?`, "code:"+h.ID).Scan(&payload); err != nil {
		t.Fatal(err)
	}
	var m struct{ Code string }
	json.Unmarshal([]byte(payload), &m)
	if _, err := srv.App.Book.Confirm(ctx, h.ID, m.Code); err != nil {
		t.Fatal(err)
	}

	srv.Restart()
	hc = srv.Client()
	slots.Slots = nil
	get(slotsPath, &slots)
	for _, s := range slots.Slots {
		if s.Start.Equal(slot) {
			t.Fatal("the booked slot is offered again after the restart")
		}
	}
	_, err = srv.App.Book.Hold(ctx, appointments.HoldRequest{Office: "bauamt", Service: "beratung", Start: slot, Contact: "b@example.org"})
	if !errors.Is(err, appointments.ErrSlotTaken) {
		t.Fatalf("hold of the booked slot after the restart: %v, want slot_taken", err)
	}
}
