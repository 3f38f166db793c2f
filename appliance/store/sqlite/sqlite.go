// Package sqlite is the store's default dialect: one SQLite file in the
// data directory (WAL, foreign keys, secure delete), private to the
// appliance's user, with its migrations (migrations/, embedded). Writes go
// through a single connection with immediate transactions (SQLite has one
// writer anyway; this avoids SQLITE_BUSY upgrade deadlocks) and reads use
// a small read-only pool. The statements are the core's (appliance/store).
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/buergerbuero/buergerbuero/appliance/store"
	_ "github.com/mattn/go-sqlite3" // the one SQLite driver of the binary
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations are the dialect's schema files (NNNN_name.sql).
var Migrations, _ = fs.Sub(migrations, "migrations")

// File is the database's file name in the data directory.
const File = "buergerbuero.db"

// Open opens (and creates) the database in dir and runs the migrations.
func Open(ctx context.Context, dir string) (*store.DB, error) {
	d, err := dialect(dir)
	if err != nil {
		return nil, err
	}
	return store.New(ctx, d)
}

// OpenAt opens the database in dir migrated only up to version to: an
// upgrade test starts from an older schema.
func OpenAt(ctx context.Context, dir string, to int) (*store.DB, error) {
	d, err := dialect(dir)
	if err != nil {
		return nil, err
	}
	return store.NewAt(ctx, d, to)
}

func dialect(dir string) (store.Dialect, error) {
	path := filepath.Join(dir, File)
	if err := restrict(dir, path); err != nil {
		return store.Dialect{}, err
	}
	// synchronous=NORMAL in WAL mode survives process crashes (SIGKILL);
	// only an OS crash or power loss can lose the last transactions.
	// secure_delete overwrites deleted content (a deleted document, a
	// room's chat at the end of its retention) instead of leaving it in
	// free pages of the file.
	base := "file:" + path + "?_journal_mode=WAL&_synchronous=NORMAL&_busy_timeout=10000&_foreign_keys=on&_secure_delete=on"
	w, err := sql.Open("sqlite3", base+"&_txlock=immediate")
	if err != nil {
		return store.Dialect{}, fmt.Errorf("open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	r, err := sql.Open("sqlite3", base+"&mode=ro")
	if err != nil {
		w.Close()
		return store.Dialect{}, fmt.Errorf("open %s: %w", path, err)
	}
	r.SetMaxOpenConns(4)
	return store.Dialect{Name: "sqlite", W: w, R: r, Migrations: Migrations}, nil
}

// Raw opens a second, writable handle on the database in dir, for tests
// and diagnostics that set up or inspect rows directly.
func Raw(dir string) (*sql.DB, error) {
	return sql.Open("sqlite3", "file:"+filepath.Join(dir, File)+"?_busy_timeout=10000")
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
