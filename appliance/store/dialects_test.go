package store_test

import (
	"context"
	"io/fs"
	"os"
	"testing"

	"github.com/buergerbuero/buergerbuero/appliance/store"
	"github.com/buergerbuero/buergerbuero/appliance/store/pgtest"
	"github.com/buergerbuero/buergerbuero/appliance/store/postgres"
	"github.com/buergerbuero/buergerbuero/appliance/store/sqlite"
)

// The store's tests are its contract suite: each runs on SQLite and on a
// real PostgreSQL (a throw-away cluster, see pgtest), as subtests named
// after the dialect.

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// opener opens the test's database; every call opens the same database
// again (a restart). The store is closed when the test ends.
type opener func() *store.DB

// forEachDialect runs test once per dialect, each with a new, empty
// database.
func forEachDialect(t *testing.T, test func(t *testing.T, open opener)) {
	t.Helper()
	for _, d := range []string{"sqlite", "postgres"} {
		t.Run(d, func(t *testing.T) { test(t, newOpener(t, d)) })
	}
}

// location makes a new, empty database of the dialect for t: SQLite's
// directory or PostgreSQL's DSN.
func location(t *testing.T, dialect string) string {
	if dialect == "postgres" {
		return pgtest.DSN(t)
	}
	return t.TempDir()
}

func newOpener(t *testing.T, dialect string) opener {
	where := location(t, dialect)
	return func() *store.DB {
		t.Helper()
		var db *store.DB
		var err error
		if dialect == "postgres" {
			db, err = postgres.Open(context.Background(), where, "")
		} else {
			db, err = sqlite.Open(context.Background(), where)
		}
		if err != nil {
			t.Fatalf("open %s store: %v", dialect, err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
}

// migrationNames lists a dialect's migration files.
func migrationNames(dialect string) []string {
	fsys := sqlite.Migrations
	if dialect == "postgres" {
		fsys = postgres.Migrations
	}
	entries, _ := fs.ReadDir(fsys, ".")
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}
