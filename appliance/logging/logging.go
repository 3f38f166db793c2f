// Package logging is the one place where third-party loggers are routed into
// log/slog: certmagic's zap (ZapLogger) and mautrix's zerolog (Zerolog). It
// also owns the redaction of personal fields (Redact). It must not choose
// where logs go; the caller passes the *slog.Logger (see systemd.NewJournalHandler).
package logging

import (
	"context"
	"log/slog"
	"slices"
	"strings"
)

// Redacted replaces the value of a personal field.
const Redacted = "[redacted]"

// PersonalKeys are attribute keys whose values are personal data and never
// reach a log: names, contact details, the citizen's concern and free text,
// and client addresses (security events log those explicitly with the key
// "security_ip", which is not redacted).
var PersonalKeys = []string{
	"name", "first_name", "last_name", "given_name", "family_name", "display_name",
	"email", "phone", "mobile", "address", "street", "birth_date", "birthdate",
	"concern", "text", "body", "note", "notes", "chat", "message_body", "file_name",
	"ip", "remote_addr", "remote_ip", "client_ip", "x_forwarded_for", "user_agent",
}

// IsPersonal reports whether an attribute key names personal data. The
// comparison ignores case and treats "-" like "_".
func IsPersonal(key string) bool {
	k := strings.ReplaceAll(strings.ToLower(key), "-", "_")
	return slices.Contains(PersonalKeys, k)
}

// Redact wraps h so that attributes named in PersonalKeys (at any group
// depth, including those added with Logger.With) are logged as Redacted.
func Redact(h slog.Handler) slog.Handler {
	if r, ok := h.(redactHandler); ok {
		return r
	}
	return redactHandler{next: h}
}

type redactHandler struct{ next slog.Handler }

var _ slog.Handler = redactHandler{}

func (r redactHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return r.next.Enabled(ctx, l)
}

func (r redactHandler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, rec.Message, rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(redactAttr(a))
		return true
	})
	return r.next.Handle(ctx, out)
}

func (r redactHandler) WithAttrs(as []slog.Attr) slog.Handler {
	red := make([]slog.Attr, len(as))
	for i, a := range as {
		red[i] = redactAttr(a)
	}
	return redactHandler{next: r.next.WithAttrs(red)}
}

func (r redactHandler) WithGroup(name string) slog.Handler {
	return redactHandler{next: r.next.WithGroup(name)}
}

func redactAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	if IsPersonal(a.Key) {
		return slog.String(a.Key, Redacted)
	}
	if v.Kind() != slog.KindGroup {
		return slog.Attr{Key: a.Key, Value: v}
	}
	group := v.Group()
	red := make([]any, len(group))
	for i, g := range group {
		red[i] = redactAttr(g)
	}
	return slog.Group(a.Key, red...)
}
