// Package store is the dialect-neutral core of the database: every SQL
// statement of the appliance, the DB type that runs them, migration
// bookkeeping and the write transaction. Domain packages (reception,
// consultation, staff, appointments, stats) define the interfaces they
// need, with their contract, and own the rules: they decide what a change
// writes, and this package persists it, each state change in one
// transaction, and enforces integrity. The statements are written once
// for both dialects: ? placeholders, times as Unix milliseconds (BIGINT)
// and portable SQL (ON CONFLICT, RETURNING).
//
// The dialects live in their own packages and hand the core a Dialect:
// store/sqlite (the default: the file, WAL, its migrations) and
// store/postgres (pgx, the DSN and password, placeholder rebinding, the
// advisory write lock, LISTEN/NOTIFY, its migrations). Both keep their
// migrations under the same version numbers.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Dialect is what a dialect package hands the core to make a DB.
type Dialect struct {
	// Name is "sqlite" or "postgres".
	Name string
	// W runs write transactions, R reads; they may be one pool.
	W, R *sql.DB
	// Migrations holds the dialect's schema as NNNN_name.sql files at its
	// root, applied in version order.
	Migrations fs.FS
	// WriteLock, if set, is the statement every write transaction runs
	// first, so that write transactions run one at a time as on SQLite's
	// single writer (PostgreSQL: an advisory lock).
	WriteLock string
	// Listen, if set, means other processes write to the database too: it
	// opens a connection that calls connected once it listens and wake
	// for each event another process commits, until ctx ends or the
	// connection fails (PostgreSQL: LISTEN bb_events). Nil: one node.
	Listen func(ctx context.Context, wake, connected func()) error
}

// DB is the store on either dialect. Write transactions run one at a time
// (tx); reads go to their own handle.
type DB struct {
	w, r    *sql.DB
	dialect Dialect
	// node names this process in the events it writes (SetNode, cluster.go).
	node string
	// outboxWake is called when a message is stored (SetOutboxWaker).
	outboxWake atomic.Pointer[func()]
}

// New makes the store on a dialect's handles and migrates it to the
// newest schema the dialect knows; on an error the handles are closed.
func New(ctx context.Context, d Dialect) (*DB, error) {
	db := &DB{w: d.W, r: d.R, dialect: d}
	if err := db.migrate(ctx, -1); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// NewAt is New migrating only up to version to: an upgrade test starts
// from an older schema.
func NewAt(ctx context.Context, d Dialect, to int) (*DB, error) {
	db := &DB{w: d.W, r: d.R, dialect: d}
	if err := db.migrate(ctx, to); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// Close closes the database.
func (db *DB) Close() error {
	if db.r == db.w {
		return db.w.Close()
	}
	return errors.Join(db.r.Close(), db.w.Close())
}

// WriteDB is the store's write handle, for tests that set up rows the API
// does not reach. Its statements use ? placeholders on both dialects.
func (db *DB) WriteDB() *sql.DB { return db.w }

// ReadDB is the store's read handle, for tests and diagnostics that
// inspect rows directly. Its statements use ? placeholders on both
// dialects.
func (db *DB) ReadDB() *sql.DB { return db.r }

// Dialect names the database: "sqlite" or "postgres".
func (db *DB) Dialect() string { return db.dialect.Name }

// Ping checks that the database answers (readiness).
func (db *DB) Ping(ctx context.Context) error {
	var one int
	return db.r.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// MigrationFiles reads a dialect's migrations by version, with the newest.
func MigrationFiles(fsys fs.FS) (map[int]string, int, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, 0, err
	}
	out, latest := map[int]string{}, 0
	for _, e := range entries {
		v, err := strconv.Atoi(strings.SplitN(e.Name(), "_", 2)[0])
		if err != nil {
			return nil, 0, fmt.Errorf("migration %s: bad name", e.Name())
		}
		body, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, 0, err
		}
		out[v] = string(body)
		latest = max(latest, v)
	}
	return out, latest, nil
}

// SchemaVersion is the newest migration this binary knows for the dialect.
func (db *DB) SchemaVersion() int {
	_, latest, _ := MigrationFiles(db.dialect.Migrations)
	return latest
}

// migrate applies the dialect's migrations up to version to (all: -1).
func (db *DB) migrate(ctx context.Context, to int) error {
	files, latest, err := MigrationFiles(db.dialect.Migrations)
	if err != nil {
		return err
	}
	if to < 0 {
		to = latest
	}
	return db.migrateTo(ctx, files, to)
}

// migrateTo applies the missing migrations up to version to, each in its
// own transaction with its schema_migrations row. A database whose schema
// is newer than to was written by a newer version of the program: it is
// refused untouched, since this binary's statements may no longer fit it.
func (db *DB) migrateTo(ctx context.Context, files map[int]string, to int) error {
	// under the write lock: two nodes starting on one PostgreSQL at once
	// must not both create the table or apply a migration
	var have int
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&have)
	})
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if have > to {
		return fmt.Errorf("%w: the %s database has schema version %d, this program knows up to %d; run the newer program or restore a backup",
			ErrSchemaTooNew, db.Dialect(), have, to)
	}
	versions := make([]int, 0, len(files))
	for v := range files {
		versions = append(versions, v)
	}
	sort.Ints(versions)
	for _, v := range versions {
		if v > to {
			break
		}
		err := db.tx(ctx, func(tx *sql.Tx) error {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, v).Scan(&n); err != nil || n > 0 {
				return err
			}
			if _, err := tx.ExecContext(ctx, files[v]); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, v, ms(time.Now()))
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %04d (%s): %w", v, db.Dialect(), err)
		}
	}
	return nil
}

// ErrSchemaTooNew: the database was migrated by a newer program.
var ErrSchemaTooNew = errors.New("schema too new")

// tx runs fn in one write transaction. Write transactions run one at a
// time on both dialects (SQLite's single writer connection, the dialect's
// WriteLock), so fn sees every earlier write and none comes between
// its statements.
func (db *DB) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if db.dialect.WriteLock != "" {
		if _, err := tx.ExecContext(ctx, db.dialect.WriteLock); err != nil {
			tx.Rollback()
			return fmt.Errorf("write lock: %w", err)
		}
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}
