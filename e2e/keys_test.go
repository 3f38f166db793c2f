package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
	"github.com/buergerbuero/buergerbuero/appliance/config"
	"github.com/buergerbuero/buergerbuero/appliance/store/pgtest"
)

// TestAppointmentKeyAcrossNodes: two nodes on one PostgreSQL, each with
// the appointment key file it created at its first start. A citizen holds
// a slot through node A (with a proof of work for node B's challenge) and
// enters the code through node B; a clerk books
// by phone on A and the citizen opens the join link through B. Both work:
// the nodes sign with the cluster's one key. A third node whose
// configuration names a key file with another key refuses to start with
// an error naming the field and both fingerprints, and leaves the
// database as it was: its offices are not written, and the link still
// admits on the other nodes.
func TestAppointmentKeyAcrossNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("two processes and a PostgreSQL")
	}
	dsn := pgtest.DSN(t)
	a := apptest.StartProcess(t, bookableNodeConfig(t, dsn, true))
	b := apptest.StartProcess(t, bookableNodeConfig(t, dsn, false))

	// the citizen's hold on A (its proof of work solved for B's
	// challenge), the code entered on B
	slot := nextSlot().Add(time.Hour)
	holdID := holdOn(t, a, b, slot, "buerger@example.org")
	code := sentCode(t, dsn, holdID)
	if st, body := postJSON(t, b, "/api/v1/holds/"+holdID+"/confirm", `{"code":"`+code+`"}`, ""); st != http.StatusCreated {
		t.Fatalf("the code sent by node A, entered on node B: %d %s", st, body)
	}

	// the phone booking on A, its join link opened on B
	anna := nodeClient(t, a)
	anna.login("anna", "anna-passwort-123")
	id, tok := phoneBookOn(t, anna, nextSlot())
	st, body := postJSON(t, b, "/api/v1/bookings/"+id+"/arrive", "{}", tok)
	var k knockResult
	if json.Unmarshal([]byte(body), &k); st != 200 || k.Token == "" {
		t.Fatalf("the join link made on node A, opened on node B: %d %s", st, body)
	}
	if st, body := postJSON(t, a, "/api/v1/bookings/"+id+"/arrive", "{}", tok); st != 200 || !strings.Contains(body, k.ID) {
		t.Fatalf("the same link opened on node A again: %d %s, want ticket %s", st, body, k.ID)
	}

	// node C, with a key file of its own named in its configuration
	before := dbState(t, dsn)
	c := bookableNodeConfig(t, dsn, false)
	c.Appointments.SecretFile = filepath.Join(t.TempDir(), "appointments.key")
	if err := os.WriteFile(c.Appointments.SecretFile, bytes.Repeat([]byte{'c'}, 32), 0o600); err != nil {
		t.Fatal(err)
	}
	c.Offices = append(c.Offices, config.Office{ID: "standesamt", Name: "Standesamt", Prefix: "S", Chairs: 1, Languages: []string{"de"},
		Hours: apptest.AllDay(), IgnoreHolidays: true})
	out, err := serveOnce(t, c)
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() <= 0 { // -1: it served until killed
		t.Fatalf("node C with another key: %v\n%s", err, out)
	}
	t.Logf("node C said: %s", out)
	for _, want := range []string{"appointments.secret_file " + c.Appointments.SecretFile,
		"differs from the key the other nodes on this database use", "fingerprints " + fileFingerprint(t, c.Appointments.SecretFile)} {
		if !strings.Contains(out, want) {
			t.Errorf("node C's error does not say %q:\n%s", want, out)
		}
	}
	if after := dbState(t, dsn); after != before {
		t.Errorf("node C changed the database:\nbefore %s\nafter  %s", before, after)
	}
	if st, body := postJSON(t, b, "/api/v1/bookings/"+id+"/arrive", "{}", tok); st != 200 || !strings.Contains(body, k.ID) {
		t.Fatalf("the link on node B after node C's refusal: %d %s, want ticket %s", st, body, k.ID)
	}
}

// serveOnce runs `buergerbuero serve` on cfg as its own process until it
// exits (or a minute has passed) and returns what it said.
func serveOnce(t *testing.T, cfg *config.Config) (string, error) {
	t.Helper()
	b, err := config.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, apptest.Binary(t), "serve", "--config", path).CombinedOutput()
	return string(out), err
}

// fileFingerprint is how an operator names a key file: the first 8 hex
// digits of its SHA-256 (`sha256sum`).
func fileFingerprint(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:4])
}

// dbState sums up what a starting node writes before it serves: the
// schema version, the offices and the cluster's keys (by hash).
func dbState(t *testing.T, dsn string) string {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var state string
	err = db.QueryRow(`SELECT (SELECT MAX(version) FROM schema_migrations)::text || ' ' ||
		(SELECT string_agg(id || ':' || md5(row(offices.*)::text), ',' ORDER BY id) FROM offices) || ' ' ||
		(SELECT string_agg(name || ':' || md5(value), ',' ORDER BY name) FROM shared_secrets)`).Scan(&state)
	if err != nil {
		t.Fatal(err)
	}
	return state
}

// bookableNodeConfig is a node on dsn whose Bauamt books 15-minute
// "Personalausweis" slots round the clock (as bookableAppliance); the
// first node also gets the clerks.
func bookableNodeConfig(t *testing.T, dsn string, first bool) *config.Config {
	t.Helper()
	cfg := apptest.ServeConfig(t)
	cfg.Store.Driver, cfg.Store.DSN = "postgres", dsn
	cfg.Appointments.LeadTime = config.Duration{Duration: 0}
	cfg.Appointments.JoinBefore = config.Duration{Duration: 20 * time.Minute}
	for i := range cfg.Offices {
		if cfg.Offices[i].ID == "bauamt" {
			cfg.Offices[i].Services = []config.Service{{ID: "ausweis", Name: "Personalausweis", Duration: config.Duration{Duration: 15 * time.Minute}, Mode: "both"}}
			cfg.Offices[i].Appointments.Chairs = map[string]int{"mon": 1, "tue": 1, "wed": 1, "thu": 1, "fri": 1, "sat": 1, "sun": 1}
		}
	}
	if first {
		addClerkOn(t, cfg, "anna", "anna-passwort-123")
	}
	return cfg
}

// postJSON posts body to p (with a bearer token if given) and returns the
// status and the answer.
func postJSON(t *testing.T, p *apptest.Process, path, body, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", p.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", p.URL)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := p.Client().Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer res.Body.Close()
	var out json.RawMessage
	json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, string(out)
}

// holdOn holds the Bauamt's slot at start through p, as the booking page
// does, with a proof of work solved for a challenge of node pow; it
// returns the hold's id.
func holdOn(t *testing.T, p, pow *apptest.Process, start time.Time, contact string) string {
	t.Helper()
	body := `{"service":"ausweis","start":"` + start.Format(time.RFC3339) + `","contact":"` + contact +
		`","language":"de","proof_of_work":"` + solvePoW(t, pow.Client(), pow.URL) + `"}`
	st, out := postJSON(t, p, "/api/v1/offices/bauamt/holds", body, "")
	var h struct{ ID string }
	if json.Unmarshal([]byte(out), &h); st != http.StatusCreated || h.ID == "" {
		t.Fatalf("hold at %s: %d %s", start, st, out)
	}
	return h.ID
}

// sentCode is the confirmation code of hold id, read from the outbox the
// message would be sent from.
func sentCode(t *testing.T, dsn, id string) string {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var payload string
	if err := db.QueryRowContext(ctx, `SELECT payload FROM outbox WHERE dedupe_key = $1`, "code:"+id).Scan(&payload); err != nil {
		t.Fatalf("the code message of hold %s: %v", id, err)
	}
	var m struct{ Code string }
	if err := json.Unmarshal([]byte(payload), &m); err != nil || m.Code == "" {
		t.Fatalf("the code message of hold %s: %v", id, err)
	}
	return m.Code
}

// phoneBookOn books the Bauamt's slot at start as the logged-in clerk and
// returns the booking id and the join token of its link.
func phoneBookOn(t *testing.T, clerk *apiClient, start time.Time) (id, token string) {
	t.Helper()
	var b struct {
		ID      string `json:"id"`
		JoinURL string `json:"join_url"`
	}
	body := map[string]string{"office": "bauamt", "service": "ausweis", "start": start.Format(time.RFC3339), "language": "de", "concern": "Ausweis verloren"}
	if st := clerk.do("POST", "/api/v1/staff/appointments", body, &b); st != 201 {
		t.Fatalf("phone booking at %s: status %d", start, st)
	}
	u, err := url.Parse(b.JoinURL)
	if err != nil || u.Fragment == "" {
		t.Fatalf("join link %q", b.JoinURL)
	}
	return b.ID, u.Fragment
}
