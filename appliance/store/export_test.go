package store

import (
	"context"
	"database/sql"
)

// Raw is the store's write handle, for tests that set up or inspect rows
// the API does not reach. Statements use ? placeholders on both dialects.
func Raw(db *DB) *sql.DB { return db.w }

// OpenAt opens a dialect's database (SQLite: its directory; PostgreSQL:
// its DSN) migrated only up to version to: an upgrade test starts from an
// older schema.
func OpenAt(ctx context.Context, dialect, where string, to int) (*DB, error) {
	var db *DB
	var err error
	if dialect == "postgres" {
		db, err = openPostgres(ctx, where, "")
	} else {
		db, err = openSQLite(where)
	}
	if err != nil {
		return nil, err
	}
	files, _, err := db.migrationFiles()
	if err == nil {
		err = db.migrateTo(ctx, files, to)
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// MigrationNames lists a dialect's migration files.
func MigrationNames(dialect string) []string {
	dir := "migrations"
	fsys := migrations
	if dialect == "postgres" {
		dir, fsys = "migrations_postgres", migrationsPostgres
	}
	entries, _ := fsys.ReadDir(dir)
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}
