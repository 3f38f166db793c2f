package store_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/store"
	"github.com/buergerbuero/buergerbuero/appliance/store/postgres"
)

// TestUpgradeFromPreviousSchemaKeepsRows: a database one schema version
// behind, with rows, is migrated by the current program; its rows stay
// and read through the current statements, with the new columns' defaults.
func TestUpgradeFromPreviousSchemaKeepsRows(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			where := location(t, dialect)
			probe, err := openAt(ctx, dialect, where, 0)
			if err != nil {
				t.Fatal(err)
			}
			latest := probe.SchemaVersion()
			probe.Close()
			old, err := openAt(ctx, dialect, where, latest-1)
			if err != nil {
				t.Fatal(err)
			}
			raw := store.Raw(old)
			// rows as the previous version wrote them (its columns only)
			if _, err := raw.Exec(`INSERT INTO clerks (login, display_name, role, password_hash, must_change) VALUES (?,?,?,?,?)`,
				"anna", "Anna Amt", "clerk", "hash", 1); err != nil {
				t.Fatal(err)
			}
			// the ticket with the columns of schema v1, not through the
			// current statements: those may already need the newest table
			now := time.Now()
			if _, err := raw.Exec(`INSERT INTO tickets (id, office_id, number, day, token_hash, language, state, knocked_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)`,
				"t_old", "bauamt", "BA-001", now.Format("2006-01-02"), "01", "de", "waiting", now.UnixMilli(), now.UnixMilli()); err != nil {
				t.Fatal(err)
			}
			old.Close()

			db, err := openAt(ctx, dialect, where, latest)
			if err != nil {
				t.Fatalf("upgrade %d → %d: %v", latest-1, latest, err)
			}
			defer db.Close()
			acc, err := db.Account(ctx, "anna")
			if err != nil || acc.DisplayName != "Anna Amt" || !acc.MustChange || acc.TOTPSecret != "" {
				t.Fatalf("clerk after the upgrade: %+v, %v", acc, err)
			}
			if tk, err := db.Ticket(ctx, "t_old"); err != nil || tk.Number != "BA-001" {
				t.Fatalf("ticket after the upgrade: %+v, %v", tk, err)
			}
			if _, _, err := knock(t, db, "t_new", time.Now()); err != nil {
				t.Fatalf("knock after the upgrade: %v", err)
			}
		})
	}
}

// TestNewerSchemaRefused: a database migrated by a newer program is not
// opened (nor touched): the error names both versions.
func TestNewerSchemaRefused(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			where := location(t, dialect)
			db, err := openAt(ctx, dialect, where, 1<<30)
			if err != nil {
				t.Fatal(err)
			}
			latest := db.SchemaVersion()
			future := latest + 1
			if _, err := store.Raw(db).Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, future, 0); err != nil {
				t.Fatal(err)
			}
			db.Close()
			_, err = openAt(ctx, dialect, where, latest)
			if !errors.Is(err, store.ErrSchemaTooNew) {
				t.Fatalf("opening a schema of version %d: %v", future, err)
			}
			for _, v := range []int{future, latest} {
				if !strings.Contains(err.Error(), "version "+strconv.Itoa(v)) && !strings.Contains(err.Error(), "up to "+strconv.Itoa(v)) {
					t.Errorf("error does not name version %d: %v", v, err)
				}
			}
		})
	}
}

// TestEveryMigrationOnBothDialects: a schema change is written for SQLite
// and PostgreSQL under the same version and name, so the two never drift
// (a PostgreSQL database would otherwise miss a table SQLite has).
func TestEveryMigrationOnBothDialects(t *testing.T) {
	lite, pg := migrationNames("sqlite"), migrationNames("postgres")
	if strings.Join(lite, "\n") != strings.Join(pg, "\n") {
		t.Fatalf("migrations differ:\n  store/sqlite/migrations/:   %v\n  store/postgres/migrations/: %v", lite, pg)
	}
}

// TestConcurrentStartsMigrateOnce: several nodes starting on one empty
// database at the same moment all come up, and every migration is applied
// once.
func TestConcurrentStartsMigrateOnce(t *testing.T) {
	where := location(t, "postgres")
	const nodes = 4
	errs := make([]error, nodes)
	dbs := make([]*store.DB, nodes)
	var wg sync.WaitGroup
	for i := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dbs[i], errs[i] = postgres.Open(context.Background(), where, "")
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
	if err := store.Raw(dbs[0]).QueryRow(`SELECT COUNT(*), COUNT(DISTINCT version) FROM schema_migrations`).Scan(&n, &distinct); err != nil {
		t.Fatal(err)
	}
	// versions are pre-assigned to parallel work, so there may be gaps
	if want := len(migrationNames("postgres")); n != distinct || n != want {
		t.Fatalf("schema_migrations: %d rows, %d versions, want %d once each", n, distinct, want)
	}
}
