// Package storetest opens the store for the tests of the domain packages
// (reception, appointments) on the dialect the run asks for: SQLite by
// default, PostgreSQL (a throw-away pgtest cluster) with
// BUERGERBUERO_TEST_STORE=postgres. scripts/test runs those packages once
// per dialect, so each of their cases runs on both. The store's own
// contract suite does not need this: it runs both dialects in one run.
package storetest

import (
	"context"
	"os"
	"sync"
	"testing"

	"github.com/buergerbuero/buergerbuero/appliance/store"
	"github.com/buergerbuero/buergerbuero/appliance/store/pgtest"
)

// Env selects the dialect: "sqlite" (or unset) or "postgres".
const Env = "BUERGERBUERO_TEST_STORE"

// Dialect is the dialect of this run.
func Dialect() string {
	if os.Getenv(Env) == "postgres" {
		return "postgres"
	}
	return "sqlite"
}

// Main runs a package's tests and stops the PostgreSQL cluster afterwards.
func Main(m *testing.M) int { return pgtest.Main(m) }

var (
	mu   sync.Mutex
	dsns = map[string]string{} // SQLite directory → its PostgreSQL stand-in
)

// Open opens the store "in dir" and closes it when t ends. On SQLite the
// database lives in dir; on PostgreSQL dir names a database of its own, so
// opening the same dir again opens the same data (a restart).
func Open(t testing.TB, dir string) *store.DB {
	t.Helper()
	var db *store.DB
	var err error
	if Dialect() == "postgres" {
		mu.Lock()
		dsn, ok := dsns[dir]
		if !ok {
			dsn = pgtest.DSN(t)
			dsns[dir] = dsn
		}
		mu.Unlock()
		db, err = store.OpenPostgres(context.Background(), dsn, "")
	} else {
		db, err = store.OpenSQLite(context.Background(), dir)
	}
	if err != nil {
		t.Fatalf("open %s store: %v", Dialect(), err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
