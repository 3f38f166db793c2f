package e2e

import (
	"database/sql"
	"errors"
	"os/exec"
	"strings"
	"testing"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
	"github.com/buergerbuero/buergerbuero/appliance/store/pgtest"
)

// TestServeStopsOnNewerSchema: serve on a PostgreSQL database that a
// newer version of the program migrated exits non-zero, names both schema
// versions, and creates or changes nothing in it. (An unreachable server:
// TestServeStopsOnUnreachablePostgres; another node's key:
// TestAppointmentKeyAcrossNodes.)
func TestServeStopsOnNewerSchema(t *testing.T) {
	dsn := pgtest.DSN(t)
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL);
		INSERT INTO schema_migrations VALUES (9999, 0)`); err != nil {
		t.Fatal(err)
	}
	cfg := apptest.ServeConfig(t)
	cfg.Store.Driver, cfg.Store.DSN = "postgres", dsn
	out, err := serveOnce(t, cfg)
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() <= 0 {
		t.Fatalf("serve on a newer schema: %v\n%s", err, out)
	}
	t.Logf("serve said: %s", out)
	for _, want := range []string{"schema version 9999", "this program knows up to", "run the newer program or restore a backup"} {
		if !strings.Contains(out, want) {
			t.Errorf("serve's error does not say %q:\n%s", want, out)
		}
	}
	var tables, rows int
	if err := db.QueryRow(`SELECT (SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'), (SELECT COUNT(*) FROM schema_migrations)`).Scan(&tables, &rows); err != nil {
		t.Fatal(err)
	}
	if tables != 1 || rows != 1 {
		t.Errorf("serve changed the newer database: %d tables, %d schema rows; want 1 and 1", tables, rows)
	}
}
