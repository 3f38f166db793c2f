package store_test

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/buergerbuero/buergerbuero/appliance/store/sqlite"
)

// The state directory holds chats and documents: only the service's user
// may read it, whatever the umask and however the directory came to be.
func TestDocumentStoragePermissions(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o755); err != nil { // as a package or an admin may have left it
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "buergerbuero.db-wal"), nil, 0o644)
	db, err := sqlite.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	check := func(p string, want os.FileMode) {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s: mode %o, want %o", filepath.Base(p), fi.Mode().Perm(), want)
		}
	}
	check(dir, 0o700)
	entries, _ := os.ReadDir(dir)
	if len(entries) < 2 {
		t.Fatalf("expected the database and its WAL, got %v", entries)
	}
	for _, e := range entries {
		check(filepath.Join(dir, e.Name()), 0o600)
	}
}
