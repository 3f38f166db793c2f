package appointments_test

import (
	"context"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/appointments"
	"github.com/buergerbuero/buergerbuero/appliance/hours"
)

// roundTheClock is open 00:00-24:00 every day with one chair and an
// hour-long service, so that the DST switch hours are inside the hours.
func roundTheClock(t *testing.T) appointments.Office {
	all := []string{"00:00-24:00"}
	week := map[string][]string{"mon": all, "tue": all, "wed": all, "thu": all, "fri": all, "sat": all, "sun": all}
	sched, err := hours.FromConfig(week, nil, "", true, berlin)
	if err != nil {
		t.Fatal(err)
	}
	o := appointments.Office{ID: "bauamt", Name: "Online", Schedule: sched, Services: []appointments.Service{
		{ID: "beratung", Name: "Beratung", Duration: time.Hour, Mode: appointments.ModeBooking},
	}}
	for d := range o.Chairs {
		o.Chairs[d] = 1
	}
	return o
}

func TestSlotsOnDSTDaysAndHolidays(t *testing.T) {
	cases := []struct {
		name    string
		office  func(*testing.T) appointments.Office
		service string
		day     string
		want    int      // slots that day
		missing []string // local wall times that must not be offered
	}{
		{"spring forward: no slot in the skipped hour", roundTheClock, "beratung", "2026-03-29", 23, []string{"02:00"}},
		{"fall back: the repeated hour once", roundTheClock, "beratung", "2026-10-25", 24, nil},
		{"ordinary day, 15 minutes", bauamt, "ausweis", "2026-06-03", 16, nil},
		{"ordinary day, 30 minutes", bauamt, "beratung", "2026-06-03", 8, nil},
		{"Fronleichnam in NW: closed", bauamt, "ausweis", "2026-06-04", 0, nil},
		{"Saturday: no chairs reserved", bauamt, "ausweis", "2026-06-06", 0, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			day, _ := time.ParseInLocation("2006-01-02", c.day, berlin)
			f := newFixture(t, "", day.AddDate(0, 0, -3), c.office(t))
			slots, err := f.book.Slots(context.Background(), "bauamt", c.service, day, day.AddDate(0, 0, 1))
			if err != nil {
				t.Fatal(err)
			}
			if len(slots) != c.want {
				t.Fatalf("%d slots on %s, want %d: %v", len(slots), c.day, c.want, slots)
			}
			labels := map[string]bool{}
			for i, s := range slots {
				label := s.Start.In(berlin).Format("15:04")
				if labels[label] {
					t.Errorf("slot %s offered twice", label)
				}
				labels[label] = true
				if s.Start.In(berlin).Format("2006-01-02") != c.day {
					t.Errorf("slot %s is not on %s", s.Start, c.day)
				}
				if i > 0 && s.Start.Before(slots[i-1].End) {
					t.Errorf("slot %s overlaps the one before", label)
				}
				if s.Free != 1 {
					t.Errorf("slot %s has %d free chairs, want 1", label, s.Free)
				}
			}
			for _, m := range c.missing {
				if labels[m] {
					t.Errorf("slot at %s offered, but that wall time does not exist", m)
				}
			}
		})
	}
}

func TestSlotsRespectLeadTimeHorizonAndRelease(t *testing.T) {
	// Monday 2026-06-01 06:00: before the 07:00 release, so the last
	// bookable day is today+59; lead time 2 h hides today's 08:00 slot.
	f := newFixture(t, "", at("2026-06-01 06:30"))
	ctx := context.Background()
	slots, err := f.book.Slots(ctx, "bauamt", "ausweis", at("2026-06-01 00:00"), at("2026-06-02 00:00"))
	if err != nil {
		t.Fatal(err)
	}
	if len(slots) == 0 || slots[0].Start.Before(at("2026-06-01 08:30")) {
		t.Fatalf("first slot today %v, want 08:30 (lead time 2 h)", slots)
	}
	// day 60 ahead (2026-07-31, a Friday) opens at 07:00
	last := at("2026-07-31 00:00")
	if s, _ := f.book.Slots(ctx, "bauamt", "ausweis", last, last.AddDate(0, 0, 1)); len(s) != 0 {
		t.Fatalf("day 60 bookable before the release time: %d slots", len(s))
	}
	f.clock.add(time.Hour)
	if s, _ := f.book.Slots(ctx, "bauamt", "ausweis", last, last.AddDate(0, 0, 1)); len(s) != 16 {
		t.Fatalf("day 60 after release: %d slots, want 16", len(s))
	}
	if _, err := f.book.Slots(ctx, "bauamt", "abholung", last, last.AddDate(0, 0, 1)); err != appointments.ErrServiceNotFound {
		t.Fatalf("walk-in-only service: err %v, want service_not_found", err)
	}
}
