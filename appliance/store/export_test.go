package store

import "database/sql"

// Raw is the store's write handle, for tests that set up or inspect rows
// the API does not reach. Statements use ? placeholders on both dialects.
func Raw(db *DB) *sql.DB { return db.w }
