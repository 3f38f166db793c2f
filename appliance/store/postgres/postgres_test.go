package postgres_test

import (
	"context"
	"io/fs"
	"os"
	"sync"
	"testing"

	"github.com/buergerbuero/buergerbuero/appliance/store"
	"github.com/buergerbuero/buergerbuero/appliance/store/pgtest"
	"github.com/buergerbuero/buergerbuero/appliance/store/postgres"
	"github.com/buergerbuero/buergerbuero/appliance/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// TestUpgradeFromPreviousSchemaKeepsRows: PostgreSQL's migrations upgrade
// a database of the previous schema with its rows
// (storetest.UpgradeKeepsRows).
func TestUpgradeFromPreviousSchemaKeepsRows(t *testing.T) {
	dsn := pgtest.DSN(t)
	storetest.UpgradeKeepsRows(t, func(ctx context.Context, to int) (*store.DB, error) { return postgres.OpenAt(ctx, dsn, to) })
}

// TestNewerSchemaRefused: a database of a newer program is refused,
// untouched (storetest.NewerSchemaRefused).
func TestNewerSchemaRefused(t *testing.T) {
	dsn := pgtest.DSN(t)
	storetest.NewerSchemaRefused(t, func(ctx context.Context, to int) (*store.DB, error) { return postgres.OpenAt(ctx, dsn, to) })
}

// TestConcurrentStartsMigrateOnce: several nodes starting on one empty
// database at the same moment all come up, and every migration is applied
// once.
func TestConcurrentStartsMigrateOnce(t *testing.T) {
	dsn := pgtest.DSN(t)
	const nodes = 4
	errs := make([]error, nodes)
	dbs := make([]*store.DB, nodes)
	var wg sync.WaitGroup
	for i := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dbs[i], errs[i] = postgres.Open(context.Background(), dsn, "")
		}()
	}
	wg.Wait()
	for i, db := range dbs {
		if errs[i] != nil {
			t.Fatalf("node %d: %v", i, errs[i])
		}
		defer db.Close()
	}
	var n, distinct int
	if err := dbs[0].WriteDB().QueryRow(`SELECT COUNT(*), COUNT(DISTINCT version) FROM schema_migrations`).Scan(&n, &distinct); err != nil {
		t.Fatal(err)
	}
	files, _ := fs.ReadDir(postgres.Migrations, ".")
	// versions are pre-assigned to parallel work, so there may be gaps
	if want := len(files); n != distinct || n != want {
		t.Fatalf("schema_migrations: %d rows, %d versions, want %d once each", n, distinct, want)
	}
}
