package hours

import (
	"slices"
	"testing"
	"time"
)

// berlinAt parses "2006-01-02 15:04[:05]" as Berlin wall-clock time.
func berlinAt(s string) time.Time {
	layout := "2006-01-02 15:04"
	if len(s) > len(layout) {
		layout += ":05"
	}
	t, err := time.ParseInLocation(layout, s, berlin())
	if err != nil {
		panic(err)
	}
	return t
}

func utcAt(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func mustConfig(hours, exceptions map[string][]string, state string) Schedule {
	s, err := FromConfig(hours, exceptions, state, false, nil)
	if err != nil {
		panic(err)
	}
	return s
}

// office: mornings on weekdays, afternoons with a lunch break on Tuesday and Thursday.
var officeHours = map[string][]string{
	"mon": {"08:00-12:00"}, "tue": {"08:00-12:00", "13:00-16:00"}, "wed": {"08:00-12:00"},
	"thu": {"08:00-12:00", "13:00-16:00"}, "fri": {"08:00-12:00"},
}

func TestAt(t *testing.T) {
	ni := mustConfig(officeHours, nil, "NI")
	he := mustConfig(officeHours, map[string][]string{
		"2026-06-10": {},              // Wednesday, closed
		"2026-06-12": {"14:00-18:00"}, // Friday, afternoon instead
		"2026-05-01": {"10:00-14:00"}, // Tag der Arbeit, open anyway
		"2026-12-24": {},              // Heiligabend, closed
	}, "HE")
	heIgnoring := he
	heIgnoring.IgnoreHolidays = true
	sn := mustConfig(officeHours, nil, "SN")
	by := mustConfig(officeHours, nil, "BY")
	dst := mustConfig(map[string][]string{"sun": {"00:00-04:00", "08:00-12:00"}}, nil, "")
	allDay := mustConfig(map[string][]string{
		"mon": {"00:00-24:00"}, "tue": {"00:00-24:00"}, "wed": {"00:00-24:00"}, "thu": {"00:00-24:00"},
		"fri": {"00:00-24:00"}, "sat": {"00:00-24:00"}, "sun": {"00:00-24:00"},
	}, nil, "")
	overnight := mustConfig(map[string][]string{"sat": {"20:00-24:00"}, "sun": {"00:00-02:00"}}, nil, "")
	touching := mustConfig(map[string][]string{"mon": {"08:00-12:00", "12:00-16:00"}}, nil, "")
	rare := mustConfig(nil, map[string][]string{"2026-07-20": {"09:00-10:00"}}, "")
	utcOffice := Schedule{Weekly: [7][]Interval{time.Monday: {{Clock{8, 0}, Clock{12, 0}}}}, Loc: time.UTC}

	open := func(closes time.Time) Status { return Status{Open: true, ClosesAt: closes} }
	closed := func(next time.Time, holiday string) Status { return Status{NextOpen: next, Holiday: holiday} }
	var never time.Time

	tests := []struct {
		name string
		s    Schedule
		t    time.Time
		want Status
	}{
		{"open at 08:00:00", ni, berlinAt("2026-06-01 08:00:00"), open(berlinAt("2026-06-01 12:00"))},
		{"open at 11:59:59", ni, berlinAt("2026-06-01 11:59:59"), open(berlinAt("2026-06-01 12:00"))},
		{"closed at 07:59:59", ni, berlinAt("2026-06-01 07:59:59"), closed(berlinAt("2026-06-01 08:00"), "")},
		{"closed at 12:00:00", ni, berlinAt("2026-06-01 12:00:00"), closed(berlinAt("2026-06-02 08:00"), "")},
		{"lunch break", ni, berlinAt("2026-06-02 12:30"), closed(berlinAt("2026-06-02 13:00"), "")},
		{"after lunch", ni, berlinAt("2026-06-02 13:00"), open(berlinAt("2026-06-02 16:00"))},
		{"touching intervals close at the later end", touching, berlinAt("2026-06-01 11:00"), open(berlinAt("2026-06-01 16:00"))},
		{"friday noon to monday", ni, berlinAt("2026-06-05 12:00"), closed(berlinAt("2026-06-08 08:00"), "")},
		{"saturday to monday", ni, berlinAt("2026-06-06 10:00"), closed(berlinAt("2026-06-08 08:00"), "")},

		{"Fronleichnam closed in HE", he, berlinAt("2026-06-04 10:00"), closed(berlinAt("2026-06-05 08:00"), "Fronleichnam")},
		{"Fronleichnam open in NI", ni, berlinAt("2026-06-04 10:00"), open(berlinAt("2026-06-04 12:00"))},
		{"IgnoreHolidays opens on Fronleichnam", heIgnoring, berlinAt("2026-06-04 10:00"), open(berlinAt("2026-06-04 12:00"))},
		{"Buß- und Bettag closed in SN", sn, berlinAt("2026-11-18 10:00"), closed(berlinAt("2026-11-19 08:00"), "Buß- und Bettag")},
		{"Buß- und Bettag open in BY", by, berlinAt("2026-11-18 10:00"), open(berlinAt("2026-11-18 12:00"))},
		{"Tag der Arbeit closed in NI", ni, berlinAt("2026-05-01 10:00"), closed(berlinAt("2026-05-04 08:00"), "Tag der Arbeit")},

		{"exception closes a day", he, berlinAt("2026-06-10 10:00"), closed(berlinAt("2026-06-11 08:00"), "")},
		{"exception before special hours", he, berlinAt("2026-06-12 10:00"), closed(berlinAt("2026-06-12 14:00"), "")},
		{"exception special hours", he, berlinAt("2026-06-12 15:00"), open(berlinAt("2026-06-12 18:00"))},
		{"exception opens a holiday", he, berlinAt("2026-05-01 11:00"), open(berlinAt("2026-05-01 14:00"))},
		{"after exception hours on a holiday", he, berlinAt("2026-05-01 15:00"), closed(berlinAt("2026-05-04 08:00"), "")},
		{"before christmas", he, berlinAt("2026-12-23 12:00"), closed(utcAt("2026-12-28T07:00:00Z"), "")},
		{"heiligabend by exception", he, berlinAt("2026-12-24 10:00"), closed(berlinAt("2026-12-28 08:00"), "")},
		{"christmas day", he, berlinAt("2026-12-25 10:00"), closed(berlinAt("2026-12-28 08:00"), "Erster Weihnachtsfeiertag")},
		{"boxing day", he, berlinAt("2026-12-26 10:00"), closed(berlinAt("2026-12-28 08:00"), "Zweiter Weihnachtsfeiertag")},

		// 2026-03-29: 02:00 CET becomes 03:00 CEST, so 00:00-04:00 lasts 3 hours.
		{"spring: interval across the switch", dst, utcAt("2026-03-28T23:00:00Z"), open(utcAt("2026-03-29T02:00:00Z"))},
		{"spring: last second before 04:00 CEST", dst, utcAt("2026-03-29T01:59:59Z"), open(utcAt("2026-03-29T02:00:00Z"))},
		{"spring: closed at 04:00 CEST", dst, utcAt("2026-03-29T02:00:00Z"), closed(utcAt("2026-03-29T06:00:00Z"), "")},
		{"spring: normal interval", dst, utcAt("2026-03-29T06:00:00Z"), open(utcAt("2026-03-29T10:00:00Z"))},
		{"spring: closed at 12:00 CEST", dst, utcAt("2026-03-29T10:00:00Z"), closed(utcAt("2026-04-04T22:00:00Z"), "")},
		// 2026-10-25: 03:00 CEST becomes 02:00 CET, so 00:00-04:00 lasts 5 hours.
		{"autumn: interval across the switch", dst, utcAt("2026-10-24T22:00:00Z"), open(utcAt("2026-10-25T03:00:00Z"))},
		{"autumn: last second before 04:00 CET", dst, utcAt("2026-10-25T02:59:59Z"), open(utcAt("2026-10-25T03:00:00Z"))},
		{"autumn: closed at 04:00 CET", dst, utcAt("2026-10-25T03:00:00Z"), closed(utcAt("2026-10-25T07:00:00Z"), "")},
		{"autumn: normal interval", dst, utcAt("2026-10-25T07:00:00Z"), open(utcAt("2026-10-25T11:00:00Z"))},

		{"open all week: no closing time", allDay, berlinAt("2026-06-01 10:00"), open(never)},
		{"across midnight", overnight, berlinAt("2026-06-06 21:00"), open(berlinAt("2026-06-07 02:00"))},
		{"never open", Schedule{}, berlinAt("2026-06-01 10:00"), closed(never, "")},
		{"next opening within 14 days", rare, berlinAt("2026-07-06 10:00"), closed(berlinAt("2026-07-20 09:00"), "")},
		{"next opening beyond 14 days", rare, berlinAt("2026-07-05 10:00"), closed(never, "")},
		{"other time zone", utcOffice, utcAt("2026-06-01T08:00:00Z"), open(utcAt("2026-06-01T12:00:00Z"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.s.At(tt.t)
			if got.Open != tt.want.Open || !got.ClosesAt.Equal(tt.want.ClosesAt) ||
				!got.NextOpen.Equal(tt.want.NextOpen) || got.Holiday != tt.want.Holiday {
				t.Errorf("At(%s) =\n  %+v\nwant\n  %+v", tt.t.Format(time.RFC3339), got, tt.want)
			}
			if open := tt.s.IsOpen(tt.t); open != tt.want.Open {
				t.Errorf("IsOpen(%s) = %v, want %v", tt.t.Format(time.RFC3339), open, tt.want.Open)
			}
		})
	}
}

func TestDSTDurations(t *testing.T) {
	dst := mustConfig(map[string][]string{"sun": {"00:00-04:00", "08:00-12:00"}}, nil, "")
	tests := []struct {
		start        time.Time
		wantDuration time.Duration
	}{
		{berlinAt("2026-03-29 00:00"), 3 * time.Hour},
		{berlinAt("2026-03-29 08:00"), 4 * time.Hour},
		{berlinAt("2026-10-25 00:00"), 5 * time.Hour},
		{berlinAt("2026-10-25 08:00"), 4 * time.Hour},
		{berlinAt("2026-06-07 00:00"), 4 * time.Hour},
	}
	for _, tt := range tests {
		st := dst.At(tt.start)
		if got := st.ClosesAt.Sub(tt.start); !st.Open || got != tt.wantDuration {
			t.Errorf("interval from %s: open %v for %v, want %v", tt.start, st.Open, got, tt.wantDuration)
		}
	}
}

func TestOpenUntil(t *testing.T) {
	ni := mustConfig(officeHours, nil, "NI")
	touching := mustConfig(map[string][]string{"mon": {"08:00-12:00", "12:00-16:00"}}, nil, "")
	allDay := Schedule{}
	for wd := range allDay.Weekly {
		allDay.Weekly[wd] = []Interval{{Clock{0, 0}, Clock{24, 0}}}
	}
	overnight := mustConfig(map[string][]string{"sat": {"20:00-24:00"}, "sun": {"00:00-02:00"}}, nil, "")
	dst := mustConfig(map[string][]string{"sun": {"00:00-04:00"}}, nil, "")

	tests := []struct {
		name string
		s    Schedule
		t    time.Time
		d    time.Duration
		want bool
	}{
		{"wait runs past closing", ni, berlinAt("2026-06-01 11:40"), 30 * time.Minute, false},
		{"wait ends before closing", ni, berlinAt("2026-06-01 11:40"), 15 * time.Minute, true},
		{"wait ends exactly at closing", ni, berlinAt("2026-06-01 11:40"), 20 * time.Minute, false},
		{"zero wait while open", ni, berlinAt("2026-06-01 11:59:59"), 0, true},
		{"closed now", ni, berlinAt("2026-06-01 12:00"), 0, false},
		{"negative wait counts as zero", ni, berlinAt("2026-06-01 11:40"), -time.Hour, true},
		{"lunch break interrupts", ni, berlinAt("2026-06-02 11:40"), 90 * time.Minute, false},
		{"touching intervals are continuous", touching, berlinAt("2026-06-01 11:40"), 30 * time.Minute, true},
		{"touching intervals end at 16:00", touching, berlinAt("2026-06-01 11:40"), 5 * time.Hour, false},
		{"all day across midnight", allDay, berlinAt("2026-06-01 23:50"), 30 * time.Minute, true},
		{"all day for ten days", allDay, berlinAt("2026-06-01 10:00"), 240 * time.Hour, true},
		{"24:00 then 00:00 is continuous", overnight, berlinAt("2026-06-06 23:50"), time.Hour, true},
		{"but ends at 02:00", overnight, berlinAt("2026-06-06 23:50"), 3 * time.Hour, false},
		{"spring switch: 2h of 3 left", dst, utcAt("2026-03-28T23:30:00Z"), 2 * time.Hour, true},
		{"spring switch: 3h wall is 2.5h real", dst, utcAt("2026-03-28T23:30:00Z"), 150 * time.Minute, false},
		{"autumn switch: 4.5h of 5", dst, utcAt("2026-10-24T22:00:00Z"), 270 * time.Minute, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.s.OpenUntil(tt.t, tt.d); got != tt.want {
				t.Errorf("OpenUntil(%s, %v) = %v, want %v", tt.t.Format(time.RFC3339), tt.d, got, tt.want)
			}
		})
	}
}

func TestIntervals(t *testing.T) {
	he := mustConfig(officeHours, map[string][]string{"2026-06-12": {"14:00-18:00"}, "2026-06-10": {}}, "HE")
	heIgnoring := he
	heIgnoring.IgnoreHolidays = true
	morning := []Interval{{Clock{8, 0}, Clock{12, 0}}}
	tests := []struct {
		name string
		s    Schedule
		day  time.Time
		want []Interval
	}{
		{"weekly", he, berlinAt("2026-06-02 20:00"), []Interval{{Clock{8, 0}, Clock{12, 0}}, {Clock{13, 0}, Clock{16, 0}}}},
		{"holiday", he, berlinAt("2026-06-04 10:00"), nil},
		{"holiday ignored", heIgnoring, berlinAt("2026-06-04 10:00"), []Interval{{Clock{8, 0}, Clock{12, 0}}, {Clock{13, 0}, Clock{16, 0}}}},
		{"exception hours", he, berlinAt("2026-06-12 00:00"), []Interval{{Clock{14, 0}, Clock{18, 0}}}},
		{"exception closed", he, berlinAt("2026-06-10 10:00"), nil},
		{"weekend", he, berlinAt("2026-06-06 10:00"), nil},
		{"local date of a UTC time", he, utcAt("2026-06-07T22:30:00Z"), morning}, // Monday 00:30 in Berlin
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.s.Intervals(tt.day); !slices.Equal(got, tt.want) {
				t.Errorf("Intervals = %v, want %v", got, tt.want)
			}
		})
	}
	got := he.Intervals(berlinAt("2026-06-01 10:00"))
	got[0].Open = Clock{0, 0}
	if he.Weekly[time.Monday][0].Open != (Clock{8, 0}) {
		t.Error("Intervals returned the schedule's own slice")
	}
}

func TestDefaultLocation(t *testing.T) {
	s := Schedule{Weekly: [7][]Interval{time.Monday: {{Clock{8, 0}, Clock{12, 0}}}}}
	if !s.IsOpen(utcAt("2026-06-01T06:00:00Z")) || s.IsOpen(utcAt("2026-06-01T10:00:00Z")) {
		t.Error("nil Loc does not mean Europe/Berlin")
	}
}
