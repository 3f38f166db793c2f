package web

import (
	"bytes"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

// TestStaffBackgroundPicture: /staff-background is the county's picture
// when site.staff_background names one (replaced without a restart), and
// the built-in neutral one when it names none or the file has gone.
func TestStaffBackgroundPicture(t *testing.T) {
	builtin, err := os.ReadFile("static/staff-background.jpg")
	if err != nil {
		t.Fatal(err)
	}
	county := filepath.Join(t.TempDir(), "wappen.png")
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR county")
	if err := os.WriteFile(county, png, 0o644); err != nil {
		t.Fatal(err)
	}
	get := func(path string) (string, []byte) {
		s := &Server{opt: Options{StaffBackground: path}, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
		rec := httptest.NewRecorder()
		s.staffBackground(rec, httptest.NewRequest("GET", "/staff-background", nil))
		if rec.Code != 200 {
			t.Fatalf("%q: status %d", path, rec.Code)
		}
		return rec.Header().Get("Content-Type"), rec.Body.Bytes()
	}
	if ct, b := get(""); ct != "image/jpeg" || !bytes.Equal(b, builtin) {
		t.Errorf("unset: %s, %d bytes; want the built-in JPEG", ct, len(b))
	}
	if ct, b := get(county); ct != "image/png" || !bytes.Equal(b, png) {
		t.Errorf("configured: %s, %q; want the county's PNG", ct, b)
	}
	replaced := append(append([]byte(nil), png...), " new"...)
	if err := os.WriteFile(county, replaced, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, b := get(county); !bytes.Equal(b, replaced) {
		t.Errorf("replaced file: %q, want the new one", b)
	}
	if ct, b := get(county + ".gone"); ct != "image/jpeg" || !bytes.Equal(b, builtin) {
		t.Errorf("file gone: %s, %d bytes; want the built-in JPEG", ct, len(b))
	}
}
