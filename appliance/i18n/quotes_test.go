package i18n

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoGermanQuotesOutsideGerman: the German low-high quotes („…“) are
// German typography; an Arabic or Turkish page shows its own (« », “ ”).
func TestNoGermanQuotesOutsideGerman(t *testing.T) {
	files, err := filepath.Glob("locales/*.*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no catalogue files: %v", err)
	}
	for _, f := range files {
		parts := strings.Split(filepath.Base(f), ".")
		if tag := parts[len(parts)-2]; tag == "de" || tag == "de-x-ls" {
			continue
		}
		buf, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var msgs map[string]any
		if err := json.Unmarshal(buf, &msgs); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for k, v := range msgs {
			if s, ok := v.(string); ok && strings.Contains(s, "„") {
				t.Errorf("%s: %s uses German quotes: %s", f, k, s)
			}
		}
	}
}
