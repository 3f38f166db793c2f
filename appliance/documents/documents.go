// Package documents owns what a file must be before anyone in a room may
// download it: a type from the allow-list, told by content and never by
// name (Sniff), within the size limit, and — when a clamd is configured —
// found clean by the virus scanner. It also owns how a document leaves
// again (ServeDownload: always an attachment, with the sniffed type). It
// stores nothing: the consultation keeps the bytes in its store, under the
// state directory, and deletes them with the room's retention.
package documents

import (
	"context"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/buergerbuero/buergerbuero/appliance/problem"
)

// Problems an upload meets; the catalogue says them in the reader's
// language (error.document_*).
var (
	// ErrType: the content is none of the allowed types (Args: Allowed).
	ErrType = problem.New(problem.KindUnsupportedMedia, "document_type")
	// ErrInfected: the scanner found malware; the file is not stored.
	ErrInfected = problem.New(problem.KindInvalid, "document_infected")
	// ErrScanUnavailable: a scanner is configured but gave no verdict;
	// the file is refused rather than stored unscanned.
	ErrScanUnavailable = problem.New(problem.KindClosed, "document_scan_unavailable")
	// ErrEmpty: a file without content.
	ErrEmpty = problem.Invalid("file", "file_empty", nil)
)

// Config is what the checker needs from the configuration.
type Config struct {
	// MaxSize is the largest file accepted, bytes.
	MaxSize int64
	// Types are the accepted types; empty means AllTypes.
	Types []Type
	// Clamd is the scanner's address ("unix:/run/clamav/clamd.ctl",
	// "tcp:127.0.0.1:3310"); empty scans nothing.
	Clamd string
	// ScanTimeout bounds one scan; default 30s.
	ScanTimeout time.Duration
}

// Checker decides whether an upload may be stored.
type Checker struct {
	maxSize int64
	types   []Type
	scanner *Clamd
	log     *slog.Logger
}

// Document is an accepted upload: a safe name, the sniffed type, the bytes.
type Document struct {
	Name string
	Type Type
	Data []byte
}

// New makes a checker; log receives scan outcomes (never file names).
func New(cfg Config, log *slog.Logger) (*Checker, error) {
	c := &Checker{maxSize: cfg.MaxSize, types: cfg.Types, log: log}
	if len(c.types) == 0 {
		c.types = AllTypes()
	}
	if log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if cfg.Clamd != "" {
		timeout := cfg.ScanTimeout
		if timeout <= 0 {
			timeout = 30 * time.Second
		}
		s, err := NewClamd(cfg.Clamd, timeout)
		if err != nil {
			return nil, err
		}
		c.scanner = s
	}
	return c, nil
}

// MaxSize is the size limit in bytes.
func (c *Checker) MaxSize() int64 { return c.maxSize }

// Ping checks that the scanner answers (nil without a scanner).
func (c *Checker) Ping(ctx context.Context) error {
	if c.scanner == nil {
		return nil
	}
	return c.scanner.Ping(ctx)
}

// Scanning tells whether uploads are scanned.
func (c *Checker) Scanning() bool { return c.scanner != nil }

// Check accepts data named name (as the client sent it) or says why not.
// Nothing is stored here; a refused file is simply dropped.
func (c *Checker) Check(ctx context.Context, name string, data []byte) (Document, error) {
	if len(data) == 0 {
		return Document{}, ErrEmpty
	}
	if int64(len(data)) > c.maxSize {
		return Document{}, c.TooLarge()
	}
	t := Sniff(data)
	if t == TypeUnknown || !slices.Contains(c.types, t) {
		return Document{}, c.typeRefused()
	}
	if c.scanner != nil {
		sig, err := c.scanner.Scan(ctx, data)
		switch {
		case err != nil:
			c.log.Error("document scan failed, upload refused", "scanner", c.scanner.String(), "err", err)
			return Document{}, ErrScanUnavailable
		case sig != "":
			c.log.Warn("document infected, upload refused", "signature", sig, "type", t.String(), "size", len(data))
			return Document{}, ErrInfected
		}
	}
	return Document{Name: SafeName(name, t), Type: t, Data: data}, nil
}

// Allowed lists the accepted types for people ("PDF, PNG, …").
func (c *Checker) Allowed() []string {
	out := make([]string, len(c.types))
	for i, t := range c.types {
		out[i] = t.Label()
	}
	return out
}

func (c *Checker) typeRefused() error {
	return ErrType.With("", map[string]any{"Allowed": c.Allowed()})
}

// Accept is the accepted types for a file input's accept attribute: the
// extensions and media types ("…,.pdf,application/pdf,…"). Browsers
// offer those files first; the server still checks the content.
func (c *Checker) Accept() string {
	var out []string
	for _, t := range c.types {
		out = append(out, types[t.valid()].exts...)
		mt, _, _ := strings.Cut(t.MediaType(), ";")
		out = append(out, mt)
	}
	return strings.Join(out, ",")
}

// TooLarge is the problem of a file over the limit, with the limit.
func (c *Checker) TooLarge() error {
	return ErrTooLarge.With("", map[string]any{"MiB": max(1, c.maxSize>>20)})
}

// ErrTooLarge: over the size limit (Args: MiB).
var ErrTooLarge = problem.New(problem.KindTooLarge, "document_too_large")

// MaxName is the longest file name kept, in runes.
const MaxName = 120

// SafeName makes a client's file name fit to show and to send back in
// Content-Disposition: the base name only, no control or format
// characters, at most MaxName runes, and an extension that fits the
// sniffed type (a PDF called "x.exe" becomes "x.exe.pdf").
func SafeName(name string, t Type) string {
	name = filepath.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '"' || r == '/' {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(strings.Trim(name, ". "))
	if name == "" {
		name = "dokument"
	}
	ext := types[t.valid()].exts
	if len(ext) > 0 && !slices.Contains(ext, strings.ToLower(filepath.Ext(name))) {
		name += ext[0]
	}
	if r := []rune(name); len(r) > MaxName {
		e := []rune(filepath.Ext(name))
		if len(e) > 10 {
			e = nil
		}
		name = string(r[:MaxName-len(e)]) + string(e)
	}
	return name
}
