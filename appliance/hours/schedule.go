// Package hours owns the opening hours of an office: a weekly schedule,
// dated exceptions and the public holidays of a Bundesland, evaluated in
// wall-clock time of one time zone (Europe/Berlin by default), correct across
// daylight-saving switches. It answers "open now, until when, next when"; it
// knows nothing of queues, tickets or staff.
package hours

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"
	_ "time/tzdata" // Europe/Berlin must resolve on systems without zoneinfo
)

// Schedule is an office's opening hours. The zero value is always closed.
type Schedule struct {
	// Weekly holds the regular hours, indexed by time.Weekday (0 = Sunday);
	// each day's intervals sorted and non-overlapping (they may touch).
	Weekly [7][]Interval
	// Exceptions replaces the weekly hours of a date, keyed "2006-01-02".
	// An empty slice closes the office that day; a non-empty one opens it
	// even on a public holiday.
	Exceptions map[string][]Interval
	// State is the Bundesland code (BW BY BE BB HB HH HE MV NI NW RP SL SN ST
	// SH TH) whose public holidays close the office; "" = no holidays.
	State string
	// IgnoreHolidays keeps the weekly hours on public holidays.
	IgnoreHolidays bool
	// Loc is the time zone of the wall-clock times; nil = Europe/Berlin.
	Loc *time.Location
}

var berlin = sync.OnceValue(func() *time.Location {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		panic("hours: Europe/Berlin missing despite time/tzdata: " + err.Error())
	}
	return loc
})

func (s Schedule) loc() *time.Location {
	if s.Loc == nil {
		return berlin()
	}
	return s.Loc
}

const dateLayout = "2006-01-02"

// Validate reports the first problem with s, naming the field.
func (s Schedule) Validate() error {
	for wd, ivs := range s.Weekly {
		if err := checkDay(ivs); err != nil {
			return fmt.Errorf("Weekly[%s]%w", time.Weekday(wd), err)
		}
	}
	for _, key := range slices.Sorted(maps.Keys(s.Exceptions)) {
		if _, err := parseDate(key); err != nil {
			return fmt.Errorf("Exceptions[%q]: %w", key, err)
		}
		if err := checkDay(s.Exceptions[key]); err != nil {
			return fmt.Errorf("Exceptions[%q]%w", key, err)
		}
	}
	if !validState(s.State) {
		return fmt.Errorf("State: %q is not a Bundesland code, want one of %s or \"\"", s.State, statesList)
	}
	return nil
}

// checkDay checks one day's intervals; its error starts with the index, so
// that callers prefix only the field name.
func checkDay(ivs []Interval) error {
	for i, iv := range ivs {
		if err := iv.check(); err != nil {
			return fmt.Errorf("[%d]: %s: %w", i, iv, err)
		}
		if i > 0 && iv.Open.minutes() < ivs[i-1].Close.minutes() {
			return fmt.Errorf("[%d]: %s overlaps or precedes %s; want sorted, non-overlapping intervals", i, iv, ivs[i-1])
		}
	}
	return nil
}

func parseDate(key string) (time.Time, error) {
	t, err := time.Parse(dateLayout, key)
	if err != nil || t.Format(dateLayout) != key {
		return time.Time{}, errors.New("not a date, want YYYY-MM-DD")
	}
	return t, nil
}

// configDays maps the config keys of FromConfig to weekdays.
var configDays = map[string]time.Weekday{
	"mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday, "thu": time.Thursday,
	"fri": time.Friday, "sat": time.Saturday, "sun": time.Sunday,
}

// FromConfig builds a Schedule from configuration: hours keyed mon..sun
// (missing days are closed), exceptions keyed YYYY-MM-DD (an empty list
// closes that date), each entry in the form ParseInterval reads. A day's
// intervals may be listed in any order. Errors name the config key, e.g.
// `hours.tue[1]: "25:00-26:00": hour out of range`. A nil loc means
// Europe/Berlin; the returned Schedule always has Loc set.
func FromConfig(hours map[string][]string, exceptions map[string][]string, state string, ignoreHolidays bool, loc *time.Location) (Schedule, error) {
	s := Schedule{State: state, IgnoreHolidays: ignoreHolidays, Loc: loc}
	if s.Loc == nil {
		s.Loc = berlin()
	}
	for _, key := range slices.Sorted(maps.Keys(hours)) {
		wd, ok := configDays[key]
		if !ok {
			return Schedule{}, fmt.Errorf("hours.%s: unknown day, want one of mon tue wed thu fri sat sun", key)
		}
		ivs, err := parseDay("hours."+key, hours[key])
		if err != nil {
			return Schedule{}, err
		}
		s.Weekly[wd] = ivs
	}
	if exceptions != nil {
		s.Exceptions = make(map[string][]Interval, len(exceptions))
	}
	for _, key := range slices.Sorted(maps.Keys(exceptions)) {
		name := "exceptions." + key
		if _, err := parseDate(key); err != nil {
			return Schedule{}, fmt.Errorf("%s: %w", name, err)
		}
		ivs, err := parseDay(name, exceptions[key])
		if err != nil {
			return Schedule{}, err
		}
		s.Exceptions[key] = ivs // non-nil even when empty: an empty list closes the day
	}
	if !validState(state) {
		return Schedule{}, fmt.Errorf("state: %q is not a Bundesland code, want one of %s or \"\"", state, statesList)
	}
	return s, nil
}

// parseDay parses and sorts one day's intervals and rejects overlaps.
func parseDay(name string, specs []string) ([]Interval, error) {
	type parsed struct {
		iv  Interval
		idx int
	}
	ps := make([]parsed, 0, len(specs))
	for i, spec := range specs {
		iv, err := ParseInterval(spec)
		if err != nil {
			return nil, fmt.Errorf("%s[%d]: %w", name, i, err)
		}
		ps = append(ps, parsed{iv, i})
	}
	slices.SortStableFunc(ps, func(a, b parsed) int { return a.iv.Open.minutes() - b.iv.Open.minutes() })
	ivs := make([]Interval, len(ps))
	for i, p := range ps {
		if i > 0 && p.iv.Open.minutes() < ps[i-1].iv.Close.minutes() {
			later, earlier := p, ps[i-1]
			if later.idx < earlier.idx {
				later, earlier = earlier, later
			}
			return nil, fmt.Errorf("%s[%d]: %q overlaps %s[%d] %q", name, later.idx, specs[later.idx], name, earlier.idx, specs[earlier.idx])
		}
		ivs[i] = p.iv
	}
	return ivs, nil
}
