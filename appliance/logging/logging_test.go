package logging

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"testing"

	"go.uber.org/zap"
)

// capture returns a JSON logger at level and a function decoding its lines.
func capture(t *testing.T, level slog.Level) (*slog.Logger, func() []map[string]any) {
	t.Helper()
	var buf bytes.Buffer
	l := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: level}))
	return l, func() []map[string]any {
		var out []map[string]any
		dec := json.NewDecoder(&buf)
		for dec.More() {
			m := map[string]any{}
			if err := dec.Decode(&m); err != nil {
				t.Fatalf("decode log line: %v", err)
			}
			out = append(out, m)
		}
		return out
	}
}

func TestZapLogger(t *testing.T) {
	l, lines := capture(t, slog.LevelInfo)
	z := ZapLogger(l).Named("certmagic").With(zap.String("office", "bauamt"))
	z.Debug("hidden")
	z.Warn("renewing", zap.Strings("identifiers", []string{"a.example"}), zap.Error(errors.New("boom")))
	got := lines()
	if len(got) != 1 {
		t.Fatalf("got %d lines, want 1 (debug must be dropped): %v", len(got), got)
	}
	g := got[0]
	for k, want := range map[string]any{"msg": "renewing", "level": "WARN", "logger": "certmagic", "office": "bauamt", "error": "boom"} {
		if g[k] != want {
			t.Errorf("%s = %v, want %v (line %v)", k, g[k], want, g)
		}
	}
	if ids, _ := g["identifiers"].([]any); len(ids) != 1 || ids[0] != "a.example" {
		t.Errorf("identifiers = %v", g["identifiers"])
	}
}

func TestZerolog(t *testing.T) {
	l, lines := capture(t, slog.LevelDebug)
	z := Zerolog(l).With().Str("component", "bridge").Logger()
	z.Trace().Msg("hidden")
	z.Debug().Int("room_count", 3).Msg("synced")
	z.Error().Err(errors.New("boom")).Msg("failed")
	got := lines()
	if len(got) != 2 {
		t.Fatalf("got %d lines, want 2 (trace must be dropped): %v", len(got), got)
	}
	if got[0]["msg"] != "synced" || got[0]["level"] != "DEBUG" || got[0]["component"] != "bridge" || got[0]["room_count"] != float64(3) {
		t.Errorf("debug line = %v", got[0])
	}
	if got[1]["msg"] != "failed" || got[1]["level"] != "ERROR" || got[1]["error"] != "boom" {
		t.Errorf("error line = %v", got[1])
	}
}

func TestRedact(t *testing.T) {
	l, lines := capture(t, slog.LevelInfo)
	r := slog.New(Redact(l.Handler())).With("Email", "a@b.de", "office", "bauamt")
	r.Info("knock", "ticket", "B-17", "name", "Erika Mustermann",
		slog.Group("citizen", "concern", "Bauantrag Gartenhaus", "language", "de"),
		"security_ip", "192.0.2.1")
	g := lines()[0]
	for k, want := range map[string]any{"Email": Redacted, "name": Redacted, "office": "bauamt", "ticket": "B-17", "security_ip": "192.0.2.1"} {
		if g[k] != want {
			t.Errorf("%s = %v, want %v", k, g[k], want)
		}
	}
	c, _ := g["citizen"].(map[string]any)
	if c["concern"] != Redacted || c["language"] != "de" {
		t.Errorf("citizen group = %v", c)
	}
}
