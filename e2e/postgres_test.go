package e2e

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
	"github.com/buergerbuero/buergerbuero/appliance/cli"
	"github.com/buergerbuero/buergerbuero/appliance/config"
	"github.com/buergerbuero/buergerbuero/appliance/store/pgtest"
)

// TestApplianceOnPostgres: the appliance with store.driver postgres (a
// real PostgreSQL, started by pgtest) numbers knocks, lets exactly one of
// two clerks admit a ticket, and keeps the waiting citizens' places across
// a restart, as it does on SQLite.
func TestApplianceOnPostgres(t *testing.T) {
	dsn := pgtest.DSN(t)
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true, Configure: func(c *config.Config) {
		c.Store.Driver, c.Store.DSN = "postgres", dsn
	}})
	if got := srv.App.DB.Dialect(); got != "postgres" {
		t.Fatalf("the appliance opened %s, want postgres", got)
	}
	citizen := newClient(t, srv)
	anna, ben := newClient(t, srv), newClient(t, srv)
	anna.login("anna", srv.Clerks[0].Password)
	ben.login("ben", srv.Clerks[1].Password)

	for i := 0; i < 20; i++ {
		k := citizen.knock("buergerbuero", "Gleichzeitig aufgerufen")
		if k.Place != 1 {
			t.Fatalf("round %d: knock at place %d", i, k.Place)
		}
		admitAtOnce(t, i, k.ID, anna, ben)
	}

	var waiting []knockResult
	for i := 0; i < 3; i++ {
		k := citizen.knock("bauamt", "Bauantrag")
		if k.Place != i+1 || !strings.HasPrefix(k.Number, "BA-") {
			t.Fatalf("knock %d: %+v", i, k)
		}
		waiting = append(waiting, k)
	}
	srv.Restart()
	for i, k := range waiting {
		c := newClient(t, srv)
		c.token = k.Token
		var v ticketView
		if st := c.do("GET", "/api/v1/tickets/"+k.ID, nil, &v); st != 200 || v.Place != i+1 || v.Number != k.Number {
			t.Fatalf("after the restart %s: %d %+v, want place %d", k.Number, st, v, i+1)
		}
	}
}

// TestServeStopsOnUnreachablePostgres: serve with a PostgreSQL that does
// not answer stops at once, and its error names the server and the cause.
func TestServeStopsOnUnreachablePostgres(t *testing.T) {
	cfg := apptest.ServeConfig(t)
	addr := apptest.FreePort(t) // nothing listens there
	cfg.Store.Driver, cfg.Store.DSN = "postgres", "postgres://buergerbuero@"+addr+"/buergerbuero?sslmode=disable"
	b, err := config.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := cli.Main(context.Background(), []string{"serve", "--config", path}, &stdout, &stderr)
	if code == 0 {
		t.Fatal("serve started without its database")
	}
	t.Logf("serve said: %s", stderr.String())
	for _, want := range []string{addr, "connection refused"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("serve's error does not name %q:\n%s", want, stderr.String())
		}
	}
}

// admitAtOnce has two clerks admit one ticket at the same moment; exactly
// one must win (200) and the other get the conflict (409). The winner ends
// the consultation, so the next round starts with a free clerk.
func admitAtOnce(t *testing.T, round int, ticketID string, a, b *apiClient) {
	t.Helper()
	var wg sync.WaitGroup
	start := make(chan struct{})
	status := make([]int, 2)
	for j, c := range []*apiClient{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			status[j] = c.do("POST", "/api/v1/staff/tickets/"+ticketID+"/admit", map[string]string{}, nil)
		}()
	}
	close(start)
	wg.Wait()
	winner := a
	switch {
	case status[0] == 200 && status[1] == 409:
	case status[1] == 200 && status[0] == 409:
		winner = b
	default:
		t.Fatalf("round %d: statuses %v, want exactly one 200 and one 409", round, status)
	}
	if st := winner.do("POST", "/api/v1/staff/tickets/"+ticketID+"/end", map[string]string{}, nil); st != 200 {
		t.Fatalf("round %d: end: %d", round, st)
	}
}
