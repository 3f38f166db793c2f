package e2e

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/appointments"
	"github.com/buergerbuero/buergerbuero/appliance/apptest"
	"github.com/buergerbuero/buergerbuero/appliance/config"
)

// TestBookingInTheAppliance: a real appliance with a bookable service
// lists it and its slots, refuses a hold with a forged proof of work,
// holds and confirms with a solved one (ALTCHA, appliance/pow), and after
// a restart never gives the booked chair out again.
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

	hold := func(contact, proof string) (int, map[string]any) {
		t.Helper()
		body := `{"service":"beratung","start":"` + slot.Format(time.RFC3339) + `","contact":"` + contact + `","language":"de","proof_of_work":"` + proof + `"}`
		resp, err := hc.Post(srv.URL+"/api/v1/offices/bauamt/holds", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	if st, out := hold("a@example.org", "eyJmb3JnZWQiOnRydWV9"); st != http.StatusForbidden {
		t.Fatalf("hold with a forged proof of work: %d %v", st, out)
	}
	st, out := hold("a@example.org", solvePoW(t, hc, srv.URL))
	if st != http.StatusCreated {
		t.Fatalf("hold with a solved proof of work: %d %v", st, out)
	}
	id := out["id"].(string)
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(srv.Config.Store.DataDir, "buergerbuero.db")+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var payload string
	if err := db.QueryRow(`SELECT payload FROM outbox WHERE dedupe_key = ?`, "code:"+id).Scan(&payload); err != nil {
		t.Fatal(err)
	}
	var m struct{ Code string }
	json.Unmarshal([]byte(payload), &m)
	resp, err := hc.Post(srv.URL+"/api/v1/holds/"+id+"/confirm", "application/json", strings.NewReader(`{"code":"`+m.Code+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("confirm: %d", resp.StatusCode)
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
	if st, out := hold("b@example.org", solvePoW(t, hc, srv.URL)); st != http.StatusConflict {
		t.Fatalf("hold of the booked slot after the restart: %d %v, want 409 slot_taken", st, out)
	}
	_, err = srv.App.Book.Hold(context.Background(), appointments.HoldRequest{Office: "bauamt", Service: "beratung", Start: slot, Contact: "c@example.org"})
	if !errors.Is(err, appointments.ErrSlotTaken) {
		t.Fatalf("hold of the booked slot after the restart: %v, want slot_taken", err)
	}
}

// solvePoW fetches a challenge and solves it as the ALTCHA widget does:
// the number whose SHA-256 of salt+number is the challenge.
func solvePoW(t *testing.T, hc *http.Client, base string) string {
	t.Helper()
	resp, err := hc.Get(base + "/api/v1/pow/challenge")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var c struct {
		Algorithm, Challenge, Salt, Signature string
		MaxNumber                             int
	}
	if err := json.NewDecoder(resp.Body).Decode(&c); err != nil || resp.StatusCode != 200 {
		t.Fatalf("challenge: %d %v", resp.StatusCode, err)
	}
	for n := 0; n <= c.MaxNumber; n++ {
		sum := sha256.Sum256([]byte(c.Salt + strconv.Itoa(n)))
		if hex.EncodeToString(sum[:]) == c.Challenge {
			b, _ := json.Marshal(map[string]any{"algorithm": c.Algorithm, "challenge": c.Challenge, "number": n, "salt": c.Salt, "signature": c.Signature})
			return base64.StdEncoding.EncodeToString(b)
		}
	}
	t.Fatal("challenge not solvable")
	return ""
}
