package hours

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Clock is a wall-clock time of day. 24:00 is allowed as a closing time and
// means the end of the day.
type Clock struct{ H, M int }

// endOfDay is the latest Clock; it is valid only as Interval.Close.
const endOfDay = 24 * 60

// minutes returns the minutes since midnight.
func (c Clock) minutes() int { return c.H*60 + c.M }

// String formats the clock as HH:MM.
func (c Clock) String() string { return fmt.Sprintf("%02d:%02d", c.H, c.M) }

// check reports what is wrong with c; 24:00 passes here and is refused as an
// opening time by Interval.check, because Open must come before Close.
func (c Clock) check() error {
	switch {
	case c.H < 0 || c.H > 24:
		return errors.New("hour out of range")
	case c.M < 0 || c.M > 59:
		return errors.New("minute out of range")
	case c.H == 24 && c.M != 0:
		return errors.New("only 24:00 is allowed after 23:59")
	}
	return nil
}

// Interval is an opening interval within one day, in wall-clock time:
// open from Open (inclusive) to Close (exclusive).
type Interval struct{ Open, Close Clock }

// String formats the interval as HH:MM-HH:MM, the form ParseInterval reads.
func (iv Interval) String() string { return iv.Open.String() + "-" + iv.Close.String() }

// check reports what is wrong with iv.
func (iv Interval) check() error {
	if err := iv.Open.check(); err != nil {
		return err
	}
	if err := iv.Close.check(); err != nil {
		return err
	}
	if iv.Open.minutes() >= iv.Close.minutes() {
		return errors.New("opening time must be before closing time")
	}
	return nil
}

// ParseInterval reads "HH:MM-HH:MM", e.g. "08:00-12:30" or "00:00-24:00".
// Spaces around the times and an en dash instead of the hyphen are accepted.
// The error quotes s and says what is wrong, e.g. `"25:00-26:00": hour out of range`.
func ParseInterval(s string) (Interval, error) {
	iv, err := parseInterval(s)
	if err != nil {
		return Interval{}, fmt.Errorf("%q: %w", s, err)
	}
	return iv, nil
}

func parseInterval(s string) (Interval, error) {
	open, closing, ok := strings.Cut(s, "-")
	if !ok {
		open, closing, ok = strings.Cut(s, "–")
	}
	if !ok {
		return Interval{}, errors.New(`want "HH:MM-HH:MM", missing "-"`)
	}
	var iv Interval
	var err error
	// the quoted input already shows which side is wrong
	if iv.Open, err = parseClock(open); err != nil {
		return Interval{}, err
	}
	if iv.Close, err = parseClock(closing); err != nil {
		return Interval{}, err
	}
	if err := iv.check(); err != nil {
		return Interval{}, err
	}
	return iv, nil
}

// parseClock reads H:MM or HH:MM and checks its range.
func parseClock(s string) (Clock, error) {
	s = strings.TrimSpace(s)
	h, m, ok := strings.Cut(s, ":")
	if !ok || len(h) < 1 || len(h) > 2 || len(m) != 2 || !digits(h) || !digits(m) {
		return Clock{}, fmt.Errorf("%q is not a time, want HH:MM", s)
	}
	c := Clock{}
	c.H, _ = strconv.Atoi(h)
	c.M, _ = strconv.Atoi(m)
	return c, c.check()
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
