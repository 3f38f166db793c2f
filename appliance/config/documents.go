package config

import (
	"fmt"
	"strings"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/documents"
)

// Documents configures the files exchanged in a consultation. Their size
// limit is reception.max_upload.
type Documents struct {
	// Types are the accepted types, told by content, never by the file's
	// name: pdf png jpeg gif webp docx xlsx pptx odt ods odp txt. Default
	// all of them. Legacy Office files (doc, xls), archives, executables,
	// HTML and SVG are never accepted.
	Types []string `yaml:"types"`
	// Clamd is the address of a clamd that scans every upload before it is
	// stored: "unix:/run/clamav/clamd.ctl" (Debian's clamav-daemon) or
	// "tcp:127.0.0.1:3310"; "" scans nothing. When set and clamd does not
	// answer, uploads are refused (fail closed). clamd's StreamMaxLength
	// must be at least reception.max_upload.
	Clamd string `yaml:"clamd"`
	// ScanTimeout bounds one scan; default 30s, allowed 1s to 10m.
	ScanTimeout Duration `yaml:"scan_timeout"`
}

func defaultDocuments() Documents {
	return Documents{ScanTimeout: Duration{30 * time.Second}}
}

// DocumentTypes returns the configured types (all when none are named).
func (d Documents) DocumentTypes() []documents.Type {
	if len(d.Types) == 0 {
		return documents.AllTypes()
	}
	out := make([]documents.Type, 0, len(d.Types))
	for _, n := range d.Types {
		if t, err := documents.ParseType(n); err == nil {
			out = append(out, t)
		}
	}
	return out
}

func (d Documents) validate() error {
	var names []string
	for _, t := range documents.AllTypes() {
		names = append(names, t.String())
	}
	for i, n := range d.Types {
		if _, err := documents.ParseType(n); err != nil {
			return bad(fmt.Sprintf("documents.types[%d]", i), fmt.Sprintf("%q", n), strings.Join(names, ", "))
		}
	}
	if d.Clamd != "" {
		if _, err := documents.NewClamd(d.Clamd, time.Second); err != nil {
			return bad("documents.clamd", fmt.Sprintf("%q", d.Clamd), "unix:/path/to/clamd.socket or tcp:host:port")
		}
	}
	if d.ScanTimeout.Duration < time.Second || d.ScanTimeout.Duration > 10*time.Minute {
		return bad("documents.scan_timeout", d.ScanTimeout.Duration.String(), "1s to 10m")
	}
	return nil
}
