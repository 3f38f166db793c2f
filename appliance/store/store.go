// Package store owns the database: schema, embedded migrations and every SQL
// statement, on two dialects. Domain packages (reception, staff,
// appointments) define the interfaces they need, with their contract, and
// own the rules; this package only persists, each state change in one
// transaction. SQLite (WAL, OpenSQLite) is the default; PostgreSQL
// (OpenPostgres, postgres.go) runs the same statements: they are written
// with ? placeholders, times as Unix milliseconds (BIGINT) and portable
// SQL (ON CONFLICT, RETURNING), and each dialect has its own migrations
// (migrations/ for SQLite, migrations_postgres/ for PostgreSQL) under the
// same version numbers.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/mattn/go-sqlite3" // the one SQLite driver of the binary
)

//go:embed migrations/*.sql
var migrations embed.FS

//go:embed migrations_postgres/*.sql
var migrationsPostgres embed.FS

// DB is the store on either dialect. On SQLite, writes go through a single
// connection with immediate transactions (SQLite has one writer anyway;
// this avoids SQLITE_BUSY upgrade deadlocks) and reads use a small pool;
// on PostgreSQL one pool serves both and write transactions take an
// advisory lock instead (postgres.go).
type DB struct {
	w, r *sql.DB
	path string
	// pg: the database is PostgreSQL (OpenPostgres), w and r are one pool.
	pg bool
	// node names this process in the events it writes (SetNode, cluster.go).
	node string
	// pgcfg is the PostgreSQL connection's configuration, for the
	// follower's own LISTEN connection (listen.go).
	pgcfg *pgx.ConnConfig
	// outboxWake is called when a message is stored (SetOutboxWaker).
	outboxWake atomic.Pointer[func()]
}

// OpenSQLite opens (and creates) the database in dir and runs migrations.
func OpenSQLite(ctx context.Context, dir string) (*DB, error) {
	db, err := openSQLite(dir)
	if err != nil {
		return nil, err
	}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func openSQLite(dir string) (*DB, error) {
	path := filepath.Join(dir, "buergerbuero.db")
	if err := restrict(dir, path); err != nil {
		return nil, err
	}
	// synchronous=NORMAL in WAL mode survives process crashes (SIGKILL);
	// only an OS crash or power loss can lose the last transactions.
	// secure_delete overwrites deleted content (a deleted document, a
	// room's chat at the end of its retention) instead of leaving it in
	// free pages of the file.
	base := "file:" + path + "?_journal_mode=WAL&_synchronous=NORMAL&_busy_timeout=10000&_foreign_keys=on&_secure_delete=on"
	w, err := sql.Open("sqlite3", base+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	r, err := sql.Open("sqlite3", base+"&mode=ro")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	r.SetMaxOpenConns(4)
	return &DB{w: w, r: r, path: path}, nil
}

// restrict makes the data directory 0700 and the database files 0600,
// whatever the umask and whoever created them before: they hold chats,
// documents and personal data. SQLite creates the -wal and -shm files
// with the mode of the database file.
func restrict(dir, path string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create data dir: %w", err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("data dir permissions: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("database file permissions: %w", err)
		}
	}
	return nil
}

// Close closes the database.
func (db *DB) Close() error {
	if db.r == db.w {
		return db.w.Close()
	}
	return errors.Join(db.r.Close(), db.w.Close())
}

// ReadDB is the store's read handle, for tests and diagnostics that
// inspect rows directly. Its statements use ? placeholders on both
// dialects.
func (db *DB) ReadDB() *sql.DB { return db.r }

// Dialect names the database: "sqlite" or "postgres".
func (db *DB) Dialect() string {
	if db.pg {
		return "postgres"
	}
	return "sqlite"
}

// Ping checks that the database answers (readiness).
func (db *DB) Ping(ctx context.Context) error {
	var one int
	return db.r.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// migrationFiles returns the dialect's migrations by version.
func (db *DB) migrationFiles() (map[int]string, int, error) {
	fsys, dir := migrations, "migrations"
	if db.pg {
		fsys, dir = migrationsPostgres, "migrations_postgres"
	}
	entries, err := fsys.ReadDir(dir)
	if err != nil {
		return nil, 0, err
	}
	out, latest := map[int]string{}, 0
	for _, e := range entries {
		v, err := strconv.Atoi(strings.SplitN(e.Name(), "_", 2)[0])
		if err != nil {
			return nil, 0, fmt.Errorf("migration %s: bad name", e.Name())
		}
		body, err := fsys.ReadFile(dir + "/" + e.Name())
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
	_, latest, _ := db.migrationFiles()
	return latest
}

func (db *DB) migrate(ctx context.Context) error {
	files, latest, err := db.migrationFiles()
	if err != nil {
		return err
	}
	return db.migrateTo(ctx, files, latest)
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
// time on both dialects (SQLite's single writer connection, PostgreSQL's
// advisory lock), so fn sees every earlier write and none comes between
// its statements.
func (db *DB) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if db.pg {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?)`, int64(writeLockKey)); err != nil {
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
