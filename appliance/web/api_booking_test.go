package web

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/appointments"
	"github.com/buergerbuero/buergerbuero/appliance/hours"
	"github.com/buergerbuero/buergerbuero/appliance/store/sqlite"
)

// onceVerifier accepts the payload "solved" once.
type onceVerifier struct{ used map[string]bool }

func (f *onceVerifier) Challenge() (any, error) { return map[string]string{"challenge": "x"}, nil }
func (f *onceVerifier) Verify(p string) (bool, error) {
	if p != "solved" || f.used[p] {
		return false, nil
	}
	f.used[p] = true
	return true, nil
}

type bookingFixture struct {
	t   *testing.T
	srv http.Handler
	raw *sql.DB
	pow *onceVerifier
}

func newBookingFixture(t *testing.T, pow ProofOfWork) *bookingFixture {
	t.Helper()
	dir := t.TempDir()
	db, err := sqlite.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := sql.Open("sqlite3", "file:"+filepath.Join(dir, "buergerbuero.db")+"?mode=ro")
	t.Cleanup(func() { raw.Close(); db.Close() })
	loc, _ := time.LoadLocation("Europe/Berlin")
	week := map[string][]string{"mon": {"08:00-12:00"}, "tue": {"08:00-12:00"}, "wed": {"08:00-12:00"}, "thu": {"08:00-12:00"}, "fri": {"08:00-12:00"}}
	sched, _ := hours.FromConfig(week, nil, "NW", false, loc)
	o := appointments.Office{ID: "bauamt", Name: "Bauamt", Schedule: sched, Services: []appointments.Service{
		{ID: "ausweis", Name: "Personalausweis", Duration: 15 * time.Minute, Mode: appointments.ModeBoth}}}
	o.Chairs[time.Wednesday] = 1
	b := appointments.New(db, appointments.Settings{HorizonDays: 60, LeadTime: 2 * time.Hour, HoldTTL: 10 * time.Minute, CodeAttempts: 3,
		OfferWindow: 30 * time.Minute, HoldBurst: 100, HoldPer: time.Minute, ContactBurst: 100, ContactPer: time.Minute,
		PublicURL: "https://bb.example", Secret: []byte("0123456789abcdef0123456789abcdef"), Loc: loc}, []appointments.Office{o}, nil)
	now := time.Date(2026, 6, 1, 6, 30, 0, 0, loc)
	b.SetClock(func() time.Time { return now })
	s, err := New(nil, nil, nil, Options{PublicURL: "https://bb.example", Booking: b, ProofOfWork: pow}, nil)
	if err != nil {
		t.Fatal(err)
	}
	f := &bookingFixture{t: t, srv: s.Handler(), raw: raw}
	f.pow, _ = pow.(*onceVerifier)
	return f
}

func (f *bookingFixture) do(method, path, body string, header ...string) (int, map[string]any) {
	f.t.Helper()
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	f.srv.ServeHTTP(w, r)
	var out map[string]any
	json.Unmarshal(w.Body.Bytes(), &out)
	return w.Code, out
}

func (f *bookingFixture) rows(table string) int {
	var n int
	f.raw.QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n)
	return n
}

func errOf(body map[string]any) (code, field, message string) {
	e, _ := body["error"].(map[string]any)
	code, _ = e["code"].(string)
	field, _ = e["field"].(string)
	message, _ = e["message"].(string)
	return
}

const wed10 = "2026-06-03T10:00:00+02:00"

func holdJSON(start, contact, pow string) string {
	return `{"service":"ausweis","start":"` + start + `","contact":"` + contact + `","language":"tr","proof_of_work":"` + pow + `"}`
}

func TestBookingAPIHoldConfirmCancel(t *testing.T) {
	f := newBookingFixture(t, &onceVerifier{used: map[string]bool{}})
	if st, body := f.do("GET", "/api/v1/offices/bauamt/services", ""); st != 200 || len(body["services"].([]any)) != 1 {
		t.Fatalf("services: %d %v", st, body)
	}
	st, body := f.do("GET", "/api/v1/offices/bauamt/services/ausweis/slots?from=2026-06-03&to=2026-06-04", "")
	if st != 200 || len(body["slots"].([]any)) != 16 {
		t.Fatalf("slots: %d %v", st, body)
	}
	st, body = f.do("POST", "/api/v1/offices/bauamt/holds", holdJSON(wed10, "a@example.org", "solved"))
	if st != 201 {
		t.Fatalf("hold: %d %v", st, body)
	}
	id := body["id"].(string)
	var code string
	var payload string
	f.raw.QueryRow(`SELECT payload FROM outbox WHERE dedupe_key = ?`, "code:"+id).Scan(&payload)
	var m struct{ Code string }
	json.Unmarshal([]byte(payload), &m)
	code = m.Code
	st, body = f.do("POST", "/api/v1/holds/"+id+"/confirm", `{"code":"`+code+`"}`)
	if st != 201 || !strings.Contains(body["join_url"].(string), "/a/"+id+"#") {
		t.Fatalf("confirm: %d %v", st, body)
	}
	tok := body["cancel_token"].(string)
	if st, body := f.do("DELETE", "/api/v1/bookings/"+id, "", "Authorization", "Bearer wrong", "Accept-Language", "tr"); st != 401 {
		t.Fatalf("cancel with a wrong token: %d %v", st, body)
	} else if c, _, msg := errOf(body); c != "booking_token_invalid" || !strings.Contains(msg, "bağlantı") {
		t.Fatalf("wrong token answer %q %q, want the Turkish message", c, msg)
	}
	if st, body := f.do("DELETE", "/api/v1/bookings/"+id, "", "Authorization", "Bearer "+tok); st != 204 {
		t.Fatalf("cancel: %d %v", st, body)
	}
}

func TestBookingAPIRefusesHoldsWithoutProofOfWork(t *testing.T) {
	f := newBookingFixture(t, &onceVerifier{used: map[string]bool{}})
	for _, c := range []struct{ pow, code string }{{"", "proof_of_work_failed"}, {"forged", "proof_of_work_failed"}} {
		st, body := f.do("POST", "/api/v1/offices/bauamt/holds", holdJSON(wed10, "a@example.org", c.pow))
		if got, _, _ := errOf(body); st != 403 || got != c.code {
			t.Errorf("hold with proof %q: %d %v, want 403 %s", c.pow, st, body, c.code)
		}
	}
	f.do("POST", "/api/v1/offices/bauamt/holds", holdJSON(wed10, "a@example.org", "solved"))
	st, body := f.do("POST", "/api/v1/offices/bauamt/holds", holdJSON("2026-06-03T10:15:00+02:00", "b@example.org", "solved"))
	if got, _, _ := errOf(body); st != 403 || got != "proof_of_work_failed" {
		t.Errorf("replayed proof of work: %d %v", st, body)
	}
	if f.rows("appointments") != 1 {
		t.Fatalf("%d appointments stored, want only the one with a valid proof", f.rows("appointments"))
	}
	none := newBookingFixture(t, nil)
	st, body = none.do("POST", "/api/v1/offices/bauamt/holds", holdJSON(wed10, "a@example.org", "solved"))
	if got, _, _ := errOf(body); st != 503 || got != "proof_of_work_unavailable" {
		t.Fatalf("hold without a verifier: %d %v", st, body)
	}
}

func TestBookingAPIBadInputNamesTheField(t *testing.T) {
	f := newBookingFixture(t, &onceVerifier{used: map[string]bool{}})
	cases := []struct {
		name, body, field string
	}{
		{"past slot", holdJSON("2026-05-27T10:00:00+02:00", "a@example.org", "solved"), "start"},
		{"not a time", holdJSON("morgen 10 Uhr", "a@example.org", "solved"), "start"},
		{"unknown service", strings.Replace(holdJSON(wed10, "a@example.org", "solved"), "ausweis", "reisepass", 1), "service"},
		{"malformed contact", holdJSON(wed10, "a@example", "solved"), "contact"},
	}
	for _, c := range cases {
		f.pow.used = map[string]bool{}
		st, body := f.do("POST", "/api/v1/offices/bauamt/holds", c.body, "Accept-Language", "de")
		code, field, msg := errOf(body)
		if st != 422 || code != "invalid" || field != c.field || msg == "" || strings.HasPrefix(msg, "error.") {
			t.Errorf("%s: %d %q %q %q, want 422 invalid naming %s with a message", c.name, st, code, field, msg, c.field)
		}
	}
	st, body := f.do("POST", "/api/v1/offices/bauamt/holds", holdJSON(wed10, "a@example.org", "solved"), "Origin", "https://evil.example")
	if code, _, _ := errOf(body); st != 403 || code != "cross_site" {
		t.Errorf("foreign origin: %d %v", st, body)
	}
	if n := f.rows("appointments") + f.rows("outbox"); n != 0 {
		t.Fatalf("bad requests stored %d rows", n)
	}
}
