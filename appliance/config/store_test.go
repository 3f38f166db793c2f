package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStorePostgres: driver postgres is accepted with a DSN and a readable
// password file (whose content is the password, trimmed); without a DSN
// or with an unreadable file the error names the field.
func TestStorePostgres(t *testing.T) {
	base := "site:\n  name: X\n  public_url: https://x.example\n"
	pw := filepath.Join(t.TempDir(), "pg.password")
	os.WriteFile(pw, []byte("geheim\n"), 0o600)
	c, err := Parse([]byte(base + "store:\n  driver: postgres\n  dsn: postgres://bb@db.kreis.local/bb\n  password_file: " + pw + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	if p, err := c.Store.Password(); err != nil || p != "geheim" {
		t.Fatalf("password: %q, %v", p, err)
	}
	for _, bad := range []struct{ yaml, field string }{
		{"store:\n  driver: postgres\n", "store.dsn"},
		{"store:\n  driver: postgres\n  dsn: postgres://bb@db/bb\n  password_file: /nonexistent/pw\n", "store.password_file"},
	} {
		if _, err := Parse([]byte(base + bad.yaml)); err == nil || !strings.Contains(err.Error(), bad.field) {
			t.Errorf("%q: error %v, want one naming %s", bad.yaml, err, bad.field)
		}
	}
}
