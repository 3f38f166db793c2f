package store

import (
	"context"
	"database/sql"
)

// Raw is the store's write handle, for tests that set up or inspect rows
// the API does not reach. Statements use ? placeholders on both dialects.
func Raw(db *DB) *sql.DB { return db.w }

// MigrateTo migrates db up to version to (an upgrade test starts from an
// older schema).
func MigrateTo(ctx context.Context, db *DB, to int) error {
	files, _, err := db.migrationFiles()
	if err != nil {
		return err
	}
	return db.migrateTo(ctx, files, to)
}
