package web

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// TestTemplatesUseKnownStrings: every string a template looks up exists in
// German and English, so no page shows a raw key such as "presence".
func TestTemplatesUseKnownStrings(t *testing.T) {
	files, err := filepath.Glob("templates/*.html")
	if err != nil || len(files) == 0 {
		t.Fatalf("no templates: %v", err)
	}
	lookup := regexp.MustCompile(`\{\{t \.Lang "([^"]+)"\}\}`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range lookup.FindAllStringSubmatch(string(b), -1) {
			s, ok := messages[m[1]]
			if !ok || s[0] == "" || s[1] == "" {
				t.Errorf("%s uses the string %q, which has no German and English text", f, m[1])
			}
		}
	}
}
