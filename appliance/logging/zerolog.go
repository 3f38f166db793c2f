package logging

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/rs/zerolog"
)

// Zerolog returns a zerolog logger (as mautrix wants) whose events are
// written by l's handler. Events below the handler's lowest enabled level
// are dropped by zerolog before they are encoded.
func Zerolog(l *slog.Logger) zerolog.Logger {
	w := zerologWriter{h: l.Handler()}
	min := zerolog.Disabled
	for _, zl := range []zerolog.Level{zerolog.TraceLevel, zerolog.DebugLevel, zerolog.InfoLevel, zerolog.WarnLevel, zerolog.ErrorLevel} {
		if w.h.Enabled(context.Background(), slogLevelFromZerolog(zl)) {
			min = zl
			break
		}
	}
	return zerolog.New(w).Level(min)
}

// zerologWriter decodes zerolog's JSON events back into slog records.
type zerologWriter struct{ h slog.Handler }

var _ zerolog.LevelWriter = zerologWriter{}

func (w zerologWriter) Write(p []byte) (int, error) {
	return w.WriteLevel(zerolog.NoLevel, p)
}

func (w zerologWriter) WriteLevel(zl zerolog.Level, p []byte) (int, error) {
	fields := map[string]any{}
	dec := json.NewDecoder(bytes.NewReader(p))
	dec.UseNumber()
	if err := dec.Decode(&fields); err != nil {
		return 0, fmt.Errorf("decode zerolog event: %w", err)
	}
	msg, _ := fields[zerolog.MessageFieldName].(string)
	delete(fields, zerolog.MessageFieldName)
	delete(fields, zerolog.LevelFieldName)
	delete(fields, zerolog.TimestampFieldName)
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	r := slog.NewRecord(time.Now(), slogLevelFromZerolog(zl), msg, 0)
	for _, k := range keys {
		r.AddAttrs(slog.Any(k, fields[k]))
	}
	if err := w.h.Handle(context.Background(), r); err != nil {
		return 0, fmt.Errorf("write zerolog event: %w", err)
	}
	return len(p), nil
}

func slogLevelFromZerolog(l zerolog.Level) slog.Level {
	switch l {
	case zerolog.TraceLevel:
		return slog.LevelDebug - 4
	case zerolog.DebugLevel:
		return slog.LevelDebug
	case zerolog.WarnLevel:
		return slog.LevelWarn
	case zerolog.ErrorLevel:
		return slog.LevelError
	case zerolog.FatalLevel, zerolog.PanicLevel:
		return slog.LevelError + 4
	default: // Info, NoLevel
		return slog.LevelInfo
	}
}
