package hours

import (
	"testing"
	"time"
)

func TestHoliday(t *testing.T) {
	tests := []struct {
		state string
		date  time.Time
		want  string // "" = no holiday
	}{
		{"HE", berlinAt("2026-06-04 10:00"), "Fronleichnam"},
		{"NI", berlinAt("2026-06-04 10:00"), ""},
		{"SN", berlinAt("2026-11-18 10:00"), "Buß- und Bettag"},
		{"BY", berlinAt("2026-11-18 10:00"), ""},
		{"BE", berlinAt("2026-03-08 10:00"), "Frauentag"},
		{"MV", berlinAt("2026-03-08 10:00"), "Frauentag"},
		{"MV", berlinAt("2022-03-08 10:00"), ""},
		{"TH", berlinAt("2026-09-20 10:00"), "Weltkindertag"},
		{"BB", berlinAt("2026-10-31 10:00"), "Reformationstag"},
		{"BB", berlinAt("2026-04-05 10:00"), "Ostersonntag"},
		{"NW", berlinAt("2026-04-05 10:00"), ""},
		{"SL", berlinAt("2026-08-15 10:00"), "Mariä Himmelfahrt"},
		{"BW", berlinAt("2026-01-06 10:00"), "Heilige Drei Könige"},
		{"HH", berlinAt("2026-12-25 10:00"), "Erster Weihnachtsfeiertag"},
		{"HH", berlinAt("2026-12-26 10:00"), "Zweiter Weihnachtsfeiertag"},
		{"HH", berlinAt("2026-12-24 10:00"), ""},
		{"", berlinAt("2026-05-01 10:00"), ""},
		// the local date counts: 22:30 UTC on 3 June is 00:30 on 4 June in Berlin
		{"HE", time.Date(2026, 6, 3, 22, 30, 0, 0, time.UTC), "Fronleichnam"},
		{"HE", time.Date(2026, 6, 4, 22, 30, 0, 0, time.UTC), ""},
	}
	for _, tt := range tests {
		t.Run(tt.state+" "+tt.date.Format(time.RFC3339), func(t *testing.T) {
			name, ok := Schedule{State: tt.state}.Holiday(tt.date)
			if name != tt.want || ok != (tt.want != "") {
				t.Errorf("Holiday = %q, %v; want %q", name, ok, tt.want)
			}
		})
	}
}

func TestLabourDayEverywhere(t *testing.T) {
	for _, state := range states {
		s := Schedule{State: state, Weekly: [7][]Interval{time.Friday: {{Clock{8, 0}, Clock{12, 0}}}}}
		st := s.At(berlinAt("2026-05-01 10:00"))
		if st.Open || st.Holiday != "Tag der Arbeit" {
			t.Errorf("%s on 2026-05-01: %+v, want closed for Tag der Arbeit", state, st)
		}
	}
}
