package config

import (
	"strings"
	"testing"

	"github.com/buergerbuero/buergerbuero/appliance/documents"
)

func TestDocumentsConfig(t *testing.T) {
	base := "site:\n  name: X\n  public_url: https://x.example\n"
	for _, tc := range []struct{ yaml, want string }{
		{base + "documents:\n  types: [pdf, exe]\n", "documents.types[1]"},
		{base + "documents:\n  clamd: localhost:3310\n", "documents.clamd"},
		{base + "documents:\n  scan_timeout: 0s\n", "documents.scan_timeout"},
		{base + "documents:\n  scan_timeout: 1h\n", "documents.scan_timeout"},
		{base + "documents:\n  max_size: 10\n", "max_size"},
	} {
		_, err := Parse([]byte(tc.yaml))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: want an error naming %s, got %v", tc.yaml, tc.want, err)
		}
	}
	c, err := Parse([]byte(base + "documents:\n  types: [pdf, docx]\n  clamd: unix:/run/clamav/clamd.ctl\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Documents.DocumentTypes(); len(got) != 2 || got[1] != documents.TypeDOCX || c.Documents.ScanTimeout.Seconds() != 30 {
		t.Fatalf("parsed %+v", c.Documents)
	}
	c, _ = Parse([]byte(base))
	if len(c.Documents.DocumentTypes()) != len(documents.AllTypes()) || c.Documents.Clamd != "" {
		t.Fatalf("defaults: %+v", c.Documents)
	}
}
