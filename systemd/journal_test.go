package systemd

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/coreos/go-systemd/v22/journal"
)

type sent struct {
	msg  string
	pri  journal.Priority
	vars map[string]string
}

func TestJournalHandlerFields(t *testing.T) {
	var got []sent
	send := func(msg string, p journal.Priority, vars map[string]string) error {
		got = append(got, sent{msg, p, vars})
		return nil
	}
	h := newJournalHandler(&slog.HandlerOptions{Level: slog.LevelDebug, AddSource: true}, send, slog.DiscardHandler)
	log := slog.New(h).With("office", "bauamt").WithGroup("ticket")
	log.Warn("ticket admitted", "number", "B-17", slog.Group("wait", "seconds", 42), "err", errors.New("late"))
	slog.New(h).Debug("debug line", "9lives", 1, "x-forwarded", "no")

	if len(got) != 2 {
		t.Fatalf("sent %d records, want 2", len(got))
	}
	first := got[0]
	if first.msg != "ticket admitted" || first.pri != journal.PriWarning {
		t.Errorf("message %q priority %d", first.msg, first.pri)
	}
	for k, want := range map[string]string{
		"OFFICE": "bauamt", "TICKET_NUMBER": "B-17", "TICKET_WAIT_SECONDS": "42", "TICKET_ERR": "late",
		"SYSLOG_IDENTIFIER": h.ident,
	} {
		if first.vars[k] != want {
			t.Errorf("%s = %q, want %q (fields %v)", k, first.vars[k], want, first.vars)
		}
	}
	if !strings.HasSuffix(first.vars["CODE_FILE"], "journal_test.go") || first.vars["CODE_LINE"] == "" {
		t.Errorf("source fields missing: %v", first.vars)
	}
	second := got[1]
	if second.pri != journal.PriDebug || second.vars["F_9LIVES"] != "1" || second.vars["X_FORWARDED"] != "no" {
		t.Errorf("second record: %+v", second)
	}
}

func TestJournalHandlerFallsBackWhenJournaldRefuses(t *testing.T) {
	var buf bytes.Buffer
	h := newJournalHandler(&slog.HandlerOptions{}, func(string, journal.Priority, map[string]string) error {
		return errors.New("journald gone")
	}, slog.NewTextHandler(&buf, nil))
	slog.New(h).Info("still logged", "office", "bauamt")
	if !strings.Contains(buf.String(), "still logged") || !strings.Contains(buf.String(), "office=bauamt") {
		t.Errorf("fallback output %q", buf.String())
	}
}

func TestNewJournalHandlerOutsideJournald(t *testing.T) {
	t.Setenv("JOURNAL_STREAM", "")
	if _, ok := NewJournalHandler(nil).(*slog.TextHandler); !ok {
		t.Error("without JOURNAL_STREAM the handler must write text to stderr")
	}
}
