package store_test

import (
	"strings"
	"testing"
)

// The dialects' upgrade tests live with their migrations (store/sqlite,
// store/postgres; the cases are storetest.UpgradeKeepsRows and
// storetest.NewerSchemaRefused); this one keeps the two lists equal.

// TestEveryMigrationOnBothDialects: a schema change is written for SQLite
// and PostgreSQL under the same version and name, so the two never drift
// (a PostgreSQL database would otherwise miss a table SQLite has).
func TestEveryMigrationOnBothDialects(t *testing.T) {
	lite, pg := migrationNames("sqlite"), migrationNames("postgres")
	if strings.Join(lite, "\n") != strings.Join(pg, "\n") {
		t.Fatalf("migrations differ:\n  store/sqlite/migrations/:   %v\n  store/postgres/migrations/: %v", lite, pg)
	}
}
