package systemd

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/coreos/go-systemd/v22/journal"
)

// NewJournalHandler returns a log/slog handler for the daemon's logs. Under
// systemd with stderr connected to the journal (JOURNAL_STREAM matches), it
// sends each record over journald's native protocol: the message as MESSAGE,
// the level as PRIORITY, and every attribute as its own field (key upper-cased,
// groups joined with "_": office=bauamt becomes OFFICE=bauamt), so that
// `journalctl -u buergerbuero OFFICE=bauamt` filters. Otherwise it writes
// text to stderr. opts may be nil. It does not redact: wrap the result with
// logging.Redact.
func NewJournalHandler(opts *slog.HandlerOptions) slog.Handler {
	if opts == nil {
		opts = &slog.HandlerOptions{}
	}
	text := slog.NewTextHandler(os.Stderr, opts)
	if ok, _ := journal.StderrIsJournalStream(); !ok {
		return text
	}
	return newJournalHandler(opts, journal.Send, text)
}

type sendFunc func(msg string, p journal.Priority, vars map[string]string) error

// journalHandler keeps attributes added with WithAttrs already flattened
// into journal fields, and the open group prefix.
type journalHandler struct {
	opts     slog.HandlerOptions
	send     sendFunc
	fallback slog.Handler // used when journald does not accept a record
	fields   map[string]string
	prefix   string
	ident    string
}

var _ slog.Handler = (*journalHandler)(nil)

func newJournalHandler(opts *slog.HandlerOptions, send sendFunc, fallback slog.Handler) *journalHandler {
	return &journalHandler{opts: *opts, send: send, fallback: fallback, fields: map[string]string{}, ident: filepath.Base(os.Args[0])}
}

func (h *journalHandler) Enabled(_ context.Context, l slog.Level) bool {
	min := slog.LevelInfo
	if h.opts.Level != nil {
		min = h.opts.Level.Level()
	}
	return l >= min
}

func (h *journalHandler) Handle(ctx context.Context, r slog.Record) error {
	vars := make(map[string]string, len(h.fields)+r.NumAttrs()+4)
	for k, v := range h.fields {
		vars[k] = v
	}
	r.Attrs(func(a slog.Attr) bool {
		h.flatten(vars, h.prefix, nil, a)
		return true
	})
	vars["SYSLOG_IDENTIFIER"] = h.ident
	if h.opts.AddSource && r.PC != 0 {
		f, _ := runtime.CallersFrames([]uintptr{r.PC}).Next()
		vars["CODE_FILE"], vars["CODE_LINE"], vars["CODE_FUNC"] = f.File, strconv.Itoa(f.Line), f.Function
	}
	if err := h.send(r.Message, priority(r.Level), vars); err != nil {
		return h.fallback.Handle(ctx, r)
	}
	return nil
}

func (h *journalHandler) WithAttrs(as []slog.Attr) slog.Handler {
	c := h.clone()
	for _, a := range as {
		c.flatten(c.fields, c.prefix, nil, a)
	}
	c.fallback = h.fallback.WithAttrs(as)
	return c
}

func (h *journalHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	c := h.clone()
	c.prefix = h.prefix + fieldName(name) + "_"
	c.fallback = h.fallback.WithGroup(name)
	return c
}

func (h *journalHandler) clone() *journalHandler {
	c := *h
	c.fields = make(map[string]string, len(h.fields))
	for k, v := range h.fields {
		c.fields[k] = v
	}
	return &c
}

func (h *journalHandler) flatten(vars map[string]string, prefix string, groups []string, a slog.Attr) {
	if h.opts.ReplaceAttr != nil && a.Value.Kind() != slog.KindGroup {
		a = h.opts.ReplaceAttr(groups, a)
	}
	v := a.Value.Resolve()
	if a.Key == "" && v.Kind() != slog.KindGroup {
		return
	}
	switch v.Kind() {
	case slog.KindGroup:
		p := prefix
		if a.Key != "" {
			p += fieldName(a.Key) + "_"
			groups = append(groups, a.Key)
		}
		for _, g := range v.Group() {
			h.flatten(vars, p, groups, g)
		}
	case slog.KindTime:
		vars[prefix+fieldName(a.Key)] = v.Time().Format(time.RFC3339Nano)
	default:
		vars[prefix+fieldName(a.Key)] = v.String()
	}
}

// fieldName maps an attribute key to a valid journal field name: upper-case
// letters, digits and "_", not starting with "_" or a digit, at most 64 bytes.
func fieldName(key string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(key) {
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') || r == '_' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	s := strings.TrimLeft(b.String(), "_")
	if s == "" || (s[0] >= '0' && s[0] <= '9') {
		s = "F_" + s
	}
	if len(s) > 64 {
		s = s[:64]
	}
	return s
}

func priority(l slog.Level) journal.Priority {
	switch {
	case l >= slog.LevelError+4:
		return journal.PriCrit
	case l >= slog.LevelError:
		return journal.PriErr
	case l >= slog.LevelWarn:
		return journal.PriWarning
	case l >= slog.LevelInfo:
		return journal.PriInfo
	default:
		return journal.PriDebug
	}
}
