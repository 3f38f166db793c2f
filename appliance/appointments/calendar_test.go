package appointments_test

import (
	"slices"
	"testing"
	"time"
)

// TestDaysAreTheBookableDays: the booking page offers the days from today
// to the horizon on which the office reserves chairs while open: no
// weekend, no public holiday (Christmas in NW), and today even when its
// slots have passed.
func TestDaysAreTheBookableDays(t *testing.T) {
	f := newFixture(t, "", time.Date(2026, 12, 21, 18, 0, 0, 0, berlin)) // a Monday evening
	days, err := f.book.Days("bauamt")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"2026-12-21", "2026-12-22", "2026-12-23", "2026-12-24", "2026-12-28"} {
		if !slices.Contains(days, want) {
			t.Errorf("day %s missing from %v", want, days[:min(8, len(days))])
		}
	}
	for _, not := range []string{"2026-12-19", "2026-12-25", "2026-12-26", "2026-12-27"} {
		if slices.Contains(days, not) {
			t.Errorf("day %s (weekend or holiday) offered", not)
		}
	}
	if last := days[len(days)-1]; last > "2027-02-19" {
		t.Errorf("last day %s beyond the horizon of 60 days", last)
	}
	if _, err := f.book.Days("nosuch"); err == nil {
		t.Error("days of an unknown office")
	}
	if f.book.Retention() != 7*24*time.Hour {
		t.Errorf("retention %v", f.book.Retention())
	}
}
