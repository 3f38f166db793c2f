package logging

import (
	"context"
	"log/slog"
	"slices"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// ZapLogger returns a zap logger (as certmagic wants) whose entries are
// written by l's handler, so certmagic's messages share the appliance's
// format, destination and level.
func ZapLogger(l *slog.Logger) *zap.Logger {
	return zap.New(zapCore{h: l.Handler()})
}

type zapCore struct{ h slog.Handler }

var _ zapcore.Core = zapCore{}

func (c zapCore) Enabled(l zapcore.Level) bool {
	return c.h.Enabled(context.Background(), slogLevelFromZap(l))
}

func (c zapCore) With(fields []zapcore.Field) zapcore.Core {
	return zapCore{h: c.h.WithAttrs(zapAttrs(fields))}
}

func (c zapCore) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.Enabled(e.Level) {
		return ce.AddCore(e, c)
	}
	return ce
}

func (c zapCore) Write(e zapcore.Entry, fields []zapcore.Field) error {
	r := slog.NewRecord(e.Time, slogLevelFromZap(e.Level), e.Message, 0)
	if e.LoggerName != "" {
		r.AddAttrs(slog.String("logger", e.LoggerName))
	}
	r.AddAttrs(zapAttrs(fields)...)
	return c.h.Handle(context.Background(), r)
}

func (zapCore) Sync() error { return nil }

// zapAttrs converts fields one by one so that their order is kept.
func zapAttrs(fields []zapcore.Field) []slog.Attr {
	attrs := make([]slog.Attr, 0, len(fields))
	for _, f := range fields {
		enc := zapcore.NewMapObjectEncoder()
		f.AddTo(enc)
		keys := make([]string, 0, len(enc.Fields))
		for k := range enc.Fields {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			attrs = append(attrs, slog.Any(k, enc.Fields[k]))
		}
	}
	return attrs
}

func slogLevelFromZap(l zapcore.Level) slog.Level {
	switch {
	case l < zapcore.InfoLevel:
		return slog.LevelDebug
	case l == zapcore.InfoLevel:
		return slog.LevelInfo
	case l == zapcore.WarnLevel:
		return slog.LevelWarn
	case l == zapcore.ErrorLevel:
		return slog.LevelError
	default: // DPanic, Panic, Fatal
		return slog.LevelError + 4
	}
}
