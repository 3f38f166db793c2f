package hours

import (
	"fmt"
	"slices"
	"time"
)

// Horizons of At: how far ahead an open office's closing time and a closed
// office's next opening are looked for.
const (
	closesAtHorizon = 7 * 24 * time.Hour
	nextOpenDays    = 14
)

// Status is what At reports about one instant.
type Status struct {
	Open bool
	// ClosesAt is, when Open, the end of the current opening interval,
	// following intervals that touch it, also across midnight. It is zero if
	// the office stays open for more than 7 days.
	ClosesAt time.Time
	// NextOpen is, when closed, the start of the next opening interval within
	// today and the following 14 days; zero if there is none.
	NextOpen time.Time
	// Holiday is the German name of today's public holiday when the office is
	// closed for it, else "".
	Holiday string
}

// At reports whether the office is open at t and when that changes. Times in
// the Status are in s.Loc.
func (s Schedule) At(t time.Time) Status {
	if sp, day, ok := s.current(t); ok {
		horizon := t.Add(closesAtHorizon)
		end := s.extend(sp, day, horizon)
		if end.After(horizon) {
			return Status{Open: true}
		}
		return Status{Open: true, ClosesAt: end}
	}
	loc := s.loc()
	today := dateOf(t.In(loc))
	var st Status
	_, st.Holiday = s.effective(today)
	for i := 0; i <= nextOpenDays; i++ {
		for _, sp := range s.spans(today.addDays(i), loc) {
			if sp.start.After(t) {
				st.NextOpen = sp.start
				return st
			}
		}
	}
	return st
}

// IsOpen reports whether the office is open at t.
func (s Schedule) IsOpen(t time.Time) bool {
	_, _, ok := s.current(t)
	return ok
}

// OpenUntil reports whether the office is open at t and still within the same
// opening interval at t+d, i.e. t+d is before its closing time. Intervals that
// touch (08:00-12:00, 12:00-16:00) and 24:00 followed by 00:00 the next day
// count as one interval. A negative d counts as 0.
func (s Schedule) OpenUntil(t time.Time, d time.Duration) bool {
	sp, day, ok := s.current(t)
	if !ok {
		return false
	}
	until := t.Add(max(d, 0))
	return until.Before(s.extend(sp, day, until))
}

// Intervals returns the effective opening intervals of the local date of day
// (in s.Loc), after exceptions and holidays; nil when closed all day. The
// slice is a copy.
func (s Schedule) Intervals(day time.Time) []Interval {
	ivs, _ := s.effective(dateOf(day.In(s.loc())))
	if len(ivs) == 0 {
		return nil
	}
	return slices.Clone(ivs)
}

// effective returns the intervals of d and, if a public holiday keeps the
// office closed that day, the holiday's name. An exception beats the weekly
// hours and the holiday; an exception that closes the day still names the
// holiday, as that is the likelier reason.
func (s Schedule) effective(d civilDate) (ivs []Interval, holiday string) {
	if !s.IgnoreHolidays {
		holiday, _ = holidayOn(s.State, d)
	}
	if ivs, ok := s.Exceptions[d.key()]; ok {
		if len(ivs) > 0 {
			return ivs, ""
		}
		return nil, holiday
	}
	if holiday != "" {
		return nil, holiday
	}
	return s.Weekly[d.weekday()], ""
}

// span is a stretch of real time [start, end) in which the office is open.
type span struct{ start, end time.Time }

func (sp span) contains(t time.Time) bool { return !t.Before(sp.start) && t.Before(sp.end) }

// spans returns the opening hours of d as real-time spans, sorted, with
// touching ones merged. Wall-clock times are resolved by time.Date in loc, so
// an interval across a DST switch is an hour shorter or longer; a wall time in
// the spring gap moves forward by an hour, and an interval that collapses to
// nothing is dropped.
func (s Schedule) spans(d civilDate, loc *time.Location) []span {
	ivs, _ := s.effective(d)
	out := make([]span, 0, len(ivs))
	for _, iv := range ivs {
		sp := span{d.at(iv.Open, loc), d.at(iv.Close, loc)}
		if sp.start.Before(sp.end) {
			out = append(out, sp)
		}
	}
	slices.SortFunc(out, func(a, b span) int { return a.start.Compare(b.start) })
	merged := out[:0]
	for _, sp := range out {
		if n := len(merged); n > 0 && !sp.start.After(merged[n-1].end) {
			if sp.end.After(merged[n-1].end) {
				merged[n-1].end = sp.end
			}
			continue
		}
		merged = append(merged, sp)
	}
	return merged
}

// current returns the span containing t and the date it belongs to. The day
// before is checked too, for zones whose DST switch moves midnight.
func (s Schedule) current(t time.Time) (span, civilDate, bool) {
	loc := s.loc()
	today := dateOf(t.In(loc))
	for _, d := range []civilDate{today, today.addDays(-1)} {
		for _, sp := range s.spans(d, loc) {
			if sp.contains(t) {
				return sp, d, true
			}
		}
	}
	return span{}, civilDate{}, false
}

// extend returns the end of sp (of date d) after following it into the next
// days while their first span starts where it ends; it stops once the end is
// past limit, so a 24/7 schedule does not loop forever.
func (s Schedule) extend(sp span, d civilDate, limit time.Time) time.Time {
	loc := s.loc()
	end := sp.end
	for !end.After(limit) {
		d = d.addDays(1)
		next := s.spans(d, loc)
		if len(next) == 0 || next[0].start.After(end) {
			break
		}
		if next[0].end.After(end) {
			end = next[0].end
		}
		if len(next) > 1 {
			break // merged spans of one day have gaps between them
		}
	}
	return end
}

// civilDate is a calendar date, independent of time zones.
type civilDate struct {
	y int
	m time.Month
	d int
}

func dateOf(t time.Time) civilDate {
	y, m, d := t.Date()
	return civilDate{y, m, d}
}

// addDays counts in UTC, where every day has 24 hours.
func (d civilDate) addDays(n int) civilDate {
	return dateOf(time.Date(d.y, d.m, d.d+n, 0, 0, 0, 0, time.UTC))
}

func (d civilDate) weekday() time.Weekday {
	return time.Date(d.y, d.m, d.d, 0, 0, 0, 0, time.UTC).Weekday()
}

// key formats d as Schedule.Exceptions keys are written.
func (d civilDate) key() string { return fmt.Sprintf("%04d-%02d-%02d", d.y, d.m, d.d) }

// at is the instant of wall-clock c on d in loc; 24:00 is the next midnight.
func (d civilDate) at(c Clock, loc *time.Location) time.Time {
	return time.Date(d.y, d.m, d.d, c.H, c.M, 0, 0, loc)
}
