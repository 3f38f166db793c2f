package appointments

import (
	"context"
	"fmt"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/problem"
)

// Slot is a bookable start of a service with the chairs still free.
type Slot struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	Free  int       `json:"free"`
}

// candidate is a possible slot and the chairs the reserved hours give it.
type candidate struct {
	start, end time.Time
	base       int
}

// dayCandidates lists the slots of svc on the local date of day: the
// opening intervals (after holidays and exceptions) cut into pieces of the
// service's duration, in wall-clock time of the office's time zone, with
// the chairs reserved on that weekday; then the windows clerks added. A
// wall time that does not exist (the hour skipped in spring) gives no
// slot; a wall time that exists twice (autumn) gives one.
func (o *Office) dayCandidates(svc Service, day time.Time, adjs []Adjustment) []candidate {
	loc := o.Schedule.Loc
	if loc == nil {
		loc = time.UTC
	}
	day = day.In(loc)
	y, mo, d := day.Date()
	step := int(svc.Duration / time.Minute)
	if step < 1 {
		return nil
	}
	var out []candidate
	seen := map[int64]bool{}
	if base := o.Chairs[day.Weekday()]; base > 0 {
		for _, iv := range o.Schedule.Intervals(day) {
			open, closing := iv.Open.H*60+iv.Open.M, iv.Close.H*60+iv.Close.M
			for m := open; m+step <= closing; m += step {
				start := time.Date(y, mo, d, m/60, m%60, 0, 0, loc)
				if start.Hour()*60+start.Minute() != m || start.Day() != d {
					continue // skipped by the DST switch
				}
				if seen[start.Unix()] {
					continue
				}
				seen[start.Unix()] = true
				out = append(out, candidate{start, start.Add(svc.Duration), base})
			}
		}
	}
	dayStart := time.Date(y, mo, d, 0, 0, 0, 0, loc)
	dayEnd := time.Date(y, mo, d+1, 0, 0, 0, 0, loc)
	for _, a := range adjs {
		if a.Chairs <= 0 || !a.Start.Before(dayEnd) || !a.End.After(dayStart) {
			continue
		}
		for start := a.Start; !start.Add(svc.Duration).After(a.End); start = start.Add(svc.Duration) {
			if start.Before(dayStart) || !start.Before(dayEnd) || seen[start.Unix()] {
				continue
			}
			seen[start.Unix()] = true
			out = append(out, candidate{start.In(loc), start.Add(svc.Duration).In(loc), 0})
		}
	}
	return out
}

// free is the chairs left in a candidate: the reserved ones, minus the
// blocks that overlap it, plus the additions that cover it, minus every
// chair taken that overlaps it (conservative for services of different
// lengths: it never gives out a chair twice).
func (c candidate) free(taken []Span, adjs []Adjustment) int {
	n := c.base
	for _, a := range adjs {
		overlaps := a.Start.Before(c.end) && a.End.After(c.start)
		covers := !a.Start.After(c.start) && !a.End.Before(c.end)
		if (a.Chairs < 0 && overlaps) || (a.Chairs > 0 && covers) {
			n += a.Chairs
		}
	}
	for _, s := range taken {
		if s.Start.Before(c.end) && s.End.After(c.start) {
			n--
		}
	}
	return n
}

// horizonEnd is the end of the last bookable day at now: HorizonDays
// after today, one day less before the daily release time.
func (s *Book) horizonEnd(now time.Time) time.Time {
	local := now.In(s.set.Loc)
	y, m, d := local.Date()
	days := s.set.HorizonDays
	if local.Hour()*60+local.Minute() < s.set.Release.H*60+s.set.Release.M {
		days--
	}
	return time.Date(y, m, d+days+1, 0, 0, 0, 0, s.set.Loc)
}

// Services lists the bookable services of an office.
func (s *Book) Services(officeID string) ([]Service, error) {
	o, err := s.office(officeID)
	if err != nil {
		return nil, err
	}
	out := []Service{}
	for _, svc := range o.Services {
		if svc.Mode.Bookable() {
			out = append(out, svc)
		}
	}
	return out, nil
}

// maxRange bounds one slot query.
const maxRange = 62 * 24 * time.Hour

// Slots lists the open slots of a service in [from, to) that can be
// booked now: after the lead time, within the horizon, with a free chair.
// Chairs held, booked or offered to the waitlist are not free.
func (s *Book) Slots(ctx context.Context, officeID, serviceID string, from, to time.Time) ([]Slot, error) {
	o, svc, err := s.bookable(officeID, serviceID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if earliest := now.Add(s.set.LeadTime); from.Before(earliest) {
		from = earliest
	}
	if end := s.horizonEnd(now); to.After(end) {
		to = end
	}
	if to.Sub(from) > maxRange {
		to = from.Add(maxRange)
	}
	out := []Slot{}
	if !from.Before(to) {
		return out, nil
	}
	taken, adjs, err := s.store.Occupancy(ctx, o.ID, from, to.Add(svc.Duration), now)
	if err != nil {
		return nil, fmt.Errorf("slots of %s: %w", o.ID, err)
	}
	loc := s.set.Loc
	f := from.In(loc)
	for day := time.Date(f.Year(), f.Month(), f.Day(), 12, 0, 0, 0, loc); day.Before(to.Add(24 * time.Hour)); day = day.AddDate(0, 0, 1) {
		for _, c := range o.dayCandidates(svc, day, adjs) {
			if c.start.Before(from) || !c.start.Before(to) {
				continue
			}
			if n := c.free(taken, adjs); n > 0 {
				out = append(out, Slot{Start: c.start, End: c.end, Free: n})
			}
		}
	}
	return out, nil
}

// checkSlot finds the slot of svc starting at start, as the calendar
// offers it at now, and returns it with the chairs free in tx.
func (s *Book) checkSlot(tx Tx, o *Office, svc Service, start, now time.Time) (candidate, error) {
	if start.Before(now.Add(s.set.LeadTime)) {
		return candidate{}, problem.Invalid("start", "slot_past", nil)
	}
	if !start.Before(s.horizonEnd(now)) {
		return candidate{}, problem.Invalid("start", "slot_beyond_horizon", map[string]any{"Days": s.set.HorizonDays})
	}
	taken, adjs, err := tx.Occupancy(o.ID, start, start.Add(svc.Duration), now)
	if err != nil {
		return candidate{}, err
	}
	for _, c := range o.dayCandidates(svc, start, adjs) {
		if c.start.Equal(start) {
			if c.free(taken, adjs) < 1 {
				return candidate{}, ErrSlotTaken
			}
			return c, nil
		}
	}
	return candidate{}, problem.Invalid("start", "no_such_slot", nil)
}
