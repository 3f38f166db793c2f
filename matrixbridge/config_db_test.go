package matrixbridge

import "testing"

// TestDatabaseDialect: database names a SQLite file unless it is a
// PostgreSQL URL or connection string; mautrix gets the matching driver.
func TestDatabaseDialect(t *testing.T) {
	for db, want := range map[string]string{
		"/var/lib/buergerbuero-bridge/bridge.db":                      "sqlite3-fk-wal",
		"postgres://bridge@db.kreis.local/bridge?sslmode=verify-full": "pgx",
		"postgresql://bridge@db/bridge":                               "pgx",
		"host=/run/postgresql dbname=bridge":                          "pgx",
	} {
		cfg, err := ParseConfig(ExampleConfig())
		if err != nil {
			t.Fatal(err)
		}
		cfg.Database = db
		bc, err := cfg.bridgeConfig("as", "hs")
		if err != nil {
			t.Fatal(err)
		}
		if bc.Database.Type != want {
			t.Errorf("database %q: driver %q, want %q", db, bc.Database.Type, want)
		}
	}
}
