package config

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStaffBackgroundIsAnImage: site.staff_background must name a readable
// JPEG, PNG or WebP of at most 4 MiB, recognised by content; anything else
// is refused at start with an error naming the field.
func TestStaffBackgroundIsAnImage(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	cases := []struct {
		name, path string
		ok         bool
	}{
		{"none", "", true},
		{"png", write("wappen.png", png), true},
		{"jpeg", write("wappen.jpg", []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00")), true},
		{"missing", filepath.Join(dir, "nope.png"), false},
		{"directory", dir, false},
		{"text named .png", write("text.png", []byte("<svg xmlns='http://www.w3.org/2000/svg'></svg>")), false},
		{"too large", write("big.png", append(png, bytes.Repeat([]byte{0}, StaffBackgroundMax)...)), false},
	}
	base := "site:\n  name: X\n  public_url: https://x.example\n  staff_background: "
	for _, c := range cases {
		_, err := Parse([]byte(base + `"` + c.path + `"` + "\n"))
		if c.ok && err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
		if !c.ok && (err == nil || !strings.Contains(err.Error(), "site.staff_background")) {
			t.Errorf("%s: error %v, want one naming site.staff_background", c.name, err)
		}
	}
}
