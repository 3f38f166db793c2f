package events

import (
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/problem"
)

func TestEventStatus(t *testing.T) {
	start := time.Date(2026, 12, 1, 18, 0, 0, 0, time.UTC)
	e := Event{Start: start, End: start.Add(time.Hour)}
	for _, c := range []struct {
		at   time.Time
		want string
	}{
		{start.Add(-time.Second), StatusUpcoming},
		{start, StatusLive},
		{start.Add(59 * time.Minute), StatusLive},
		{start.Add(time.Hour), StatusEnded},
	} {
		if got := e.Status(c.at); got != c.want {
			t.Errorf("at %v: %s, want %s", c.at, got, c.want)
		}
	}
	e.CancelledAt = start.Add(-time.Hour)
	if got := e.Status(start); got != StatusCancelled {
		t.Errorf("cancelled: %s", got)
	}
}

func TestEventDraftValidation(t *testing.T) {
	start := time.Date(2026, 12, 1, 18, 0, 0, 0, time.UTC)
	ok := Draft{OfficeID: "bauamt", Title: " Pressekonferenz ", Start: start, End: start.Add(time.Hour)}
	for _, c := range []struct {
		name string
		edit func(*Draft)
		key  string
	}{
		{"valid", func(*Draft) {}, ""},
		{"no title", func(d *Draft) { d.Title = "  " }, "error.invalid.too_short"},
		{"end before start", func(d *Draft) { d.End = d.Start.Add(-time.Minute) }, "error.invalid.event_time"},
		{"too long", func(d *Draft) { d.End = d.Start.Add(MaxDuration + time.Minute) }, "error.invalid.event_time"},
		{"four speakers", func(d *Draft) { d.Speakers = []string{"a", "b", "c", "d"} }, "error.event_speakers_full"},
		{"stage of four", func(d *Draft) { d.StageSlots = 4 }, "error.invalid.event_stage_slots"},
	} {
		d := ok
		c.edit(&d)
		err := d.validate()
		key := ""
		if p, isP := problem.As(err); isP {
			key = p.Key()
		} else if err != nil {
			key = err.Error()
		}
		if key != c.key {
			t.Errorf("%s: %q, want %q", c.name, key, c.key)
		}
		if c.key == "" && (d.Title != "Pressekonferenz" || d.StageSlots != DefaultStageSlot) {
			t.Errorf("valid draft not normalised: %+v", d)
		}
	}
}
