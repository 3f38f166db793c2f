// Package storetest opens the store for the tests of the domain packages
// (reception, appointments) on the dialect the run asks for: SQLite by
// default, PostgreSQL (a throw-away pgtest cluster) with
// BUERGERBUERO_TEST_STORE=postgres. scripts/test runs those packages once
// per dialect, so each of their cases runs on both. The store's own
// contract suite does not need this: it runs both dialects in one run.
package storetest

import (
	"context"
	"database/sql"
	"os"
	"sync"
	"testing"

	"github.com/buergerbuero/buergerbuero/appliance/store"
	"github.com/buergerbuero/buergerbuero/appliance/store/pgtest"
	"github.com/buergerbuero/buergerbuero/appliance/store/postgres"
	"github.com/buergerbuero/buergerbuero/appliance/store/sqlite"
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

// DSN is the PostgreSQL database that stands in for the data directory
// dir: a new one the first time, the same one after.
func DSN(t testing.TB, dir string) string {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	dsn, ok := dsns[dir]
	if !ok {
		dsn = pgtest.DSN(t)
		dsns[dir] = dsn
	}
	return dsn
}

// Open opens the store "in dir" and closes it when t ends. On SQLite the
// database lives in dir; on PostgreSQL dir names a database of its own, so
// opening the same dir again opens the same data (a restart).
func Open(t testing.TB, dir string) *store.DB {
	t.Helper()
	var db *store.DB
	var err error
	if Dialect() == "postgres" {
		db, err = postgres.Open(context.Background(), DSN(t, dir), "")
	} else {
		db, err = sqlite.Open(context.Background(), dir)
	}
	if err != nil {
		t.Fatalf("open %s store: %v", Dialect(), err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Raw opens a second handle on the database "in dir", for tests that set
// up or inspect rows directly; it may write. Statements use ? placeholders
// on both dialects. It is closed when t ends.
func Raw(t testing.TB, dir string) *sql.DB {
	t.Helper()
	if Dialect() == "postgres" {
		// PostgreSQL's store reads and writes through one pool
		return Open(t, dir).ReadDB()
	}
	db, err := sqlite.Raw(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
