package appointments

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/hours"
)

// spanStore is a Store that only answers Occupancy, from a fixed list.
type spanStore struct {
	Store
	spans []Span
	adjs  []Adjustment
}

func (s spanStore) Occupancy(_ context.Context, _ string, from, to, _ time.Time) ([]Span, []Adjustment, error) {
	var out []Span
	for _, sp := range s.spans {
		if sp.Start.Before(to) && sp.End.After(from) {
			out = append(out, sp)
		}
	}
	return out, s.adjs, nil
}

// TestSlotsPerDayWindowGivesTheSameCalendar: Slots compares each day's
// candidates only with the chairs taken near that day; over 60 days of
// random bookings of 10 minutes to 8 hours (some starting the evening
// before), clerk blocks and an added Saturday, the calendar is the one
// that comparing every candidate with every taken chair gives.
func TestSlotsPerDayWindowGivesTheSameCalendar(t *testing.T) {
	loc, _ := time.LoadLocation("Europe/Berlin")
	week := map[string][]string{"mon": {"08:00-12:00"}, "tue": {"08:00-12:00", "14:00-18:00"}, "wed": {"07:30-15:30"}, "thu": {"08:00-18:00"}, "fri": {"08:00-12:00"}}
	sched, err := hours.FromConfig(week, nil, "NW", false, loc)
	if err != nil {
		t.Fatal(err)
	}
	o := Office{ID: "o", Schedule: sched, Services: []Service{
		{ID: "kurz", Duration: 10 * time.Minute, Mode: ModeBooking},
		{ID: "ausweis", Duration: 15 * time.Minute, Mode: ModeBooking},
		{ID: "lang", Duration: 45 * time.Minute, Mode: ModeBooking}}}
	for d := time.Monday; d <= time.Friday; d++ {
		o.Chairs[d] = 3
	}
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, loc) // the March DST switch is inside the range
	rng := rand.New(rand.NewPCG(1, 2))
	st := spanStore{}
	lengths := []time.Duration{10 * time.Minute, 15 * time.Minute, 15 * time.Minute, 30 * time.Minute, 45 * time.Minute, 15 * time.Minute, 10 * time.Minute, 2 * time.Hour, 8 * time.Hour}
	for range 1200 {
		start := now.Add(time.Duration(rng.IntN(62*24*4)) * 15 * time.Minute)
		st.spans = append(st.spans, Span{start, start.Add(lengths[rng.IntN(len(lengths))])})
	}
	rng.Shuffle(len(st.spans), func(i, j int) { st.spans[i], st.spans[j] = st.spans[j], st.spans[i] })
	sat := time.Date(2026, 3, 14, 9, 0, 0, 0, loc)
	st.adjs = []Adjustment{{Start: sat, End: sat.Add(3 * time.Hour), Chairs: 2},
		{Start: time.Date(2026, 3, 10, 8, 0, 0, 0, loc), End: time.Date(2026, 3, 10, 10, 0, 0, 0, loc), Chairs: -1},
		{Start: time.Date(2026, 4, 1, 0, 0, 0, 0, loc), End: time.Date(2026, 4, 8, 0, 0, 0, 0, loc), Chairs: -2}}
	set := Settings{HorizonDays: 90, LeadTime: 2 * time.Hour, Loc: loc}
	b := New(st, set, []Office{o}, nil)
	b.SetClock(func() time.Time { return now })
	from, to := now, now.AddDate(0, 0, 62)
	for _, svc := range o.Services {
		got, err := b.Slots(context.Background(), "o", svc.ID, from, to)
		if err != nil {
			t.Fatal(err)
		}
		// reference: every candidate against every chair taken
		earliest := now.Add(set.LeadTime)
		var want []Slot
		for day := time.Date(2026, 3, 2, 12, 0, 0, 0, loc); day.Before(to.Add(24 * time.Hour)); day = day.AddDate(0, 0, 1) {
			for _, c := range o.dayCandidates(svc, day, st.adjs) {
				if c.start.Before(earliest) || !c.start.Before(to) {
					continue
				}
				if n := c.free(st.spans, st.adjs); n > 0 {
					want = append(want, Slot{Start: c.start, End: c.end, Free: n})
				}
			}
		}
		if len(want) < 100 || !slices.ContainsFunc(want, func(s Slot) bool { return s.Free < 3 }) {
			t.Fatalf("%s: the reference calendar is too empty to compare (%d slots)", svc.ID, len(want))
		}
		if !slices.EqualFunc(got, want, func(a, b Slot) bool { return a.Start.Equal(b.Start) && a.End.Equal(b.End) && a.Free == b.Free }) {
			t.Errorf("%s: %d slots, want %d; first difference near %v", svc.ID, len(got), len(want), firstDiff(got, want))
		}
	}
}

func firstDiff(a, b []Slot) any {
	for i := range min(len(a), len(b)) {
		if !a[i].Start.Equal(b[i].Start) || a[i].Free != b[i].Free {
			return [2]Slot{a[i], b[i]}
		}
	}
	return "the end"
}
