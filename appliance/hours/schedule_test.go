package hours

import (
	"strings"
	"testing"
	"time"
)

func TestFromConfig(t *testing.T) {
	s, err := FromConfig(
		map[string][]string{"tue": {"13:00-16:00", "08:00-12:00"}, "fri": {"08:00-12:00"}},
		map[string][]string{"2026-12-24": {}, "2026-12-31": {"09:00-11:00"}},
		"HE", true, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(); err != nil {
		t.Errorf("Validate of FromConfig result: %v", err)
	}
	want := []Interval{{Clock{8, 0}, Clock{12, 0}}, {Clock{13, 0}, Clock{16, 0}}}
	if got := s.Weekly[time.Tuesday]; len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("Weekly[Tuesday] = %v, want sorted %v", got, want)
	}
	if got, ok := s.Exceptions["2026-12-24"]; !ok || got == nil || len(got) != 0 {
		t.Errorf(`Exceptions["2026-12-24"] = %#v, %v; want a present, empty slice`, got, ok)
	}
	if s.Loc == nil || s.Loc.String() != "Europe/Berlin" {
		t.Errorf("Loc = %v, want Europe/Berlin", s.Loc)
	}
	if s.State != "HE" || !s.IgnoreHolidays {
		t.Errorf("State, IgnoreHolidays = %q, %v", s.State, s.IgnoreHolidays)
	}
}

func TestFromConfigErrors(t *testing.T) {
	tests := []struct {
		name       string
		hours      map[string][]string
		exceptions map[string][]string
		state      string
		want       string
	}{
		{"hour out of range", map[string][]string{"tue": {"08:00-12:00", "25:00-26:00"}}, nil, "",
			`hours.tue[1]: "25:00-26:00": hour out of range`},
		{"unknown day", map[string][]string{"tuesday": {"08:00-12:00"}}, nil, "",
			"hours.tuesday: unknown day, want one of mon tue wed thu fri sat sun"},
		{"overlap", map[string][]string{"mon": {"11:00-13:00", "08:00-12:00"}}, nil, "",
			`hours.mon[1]: "08:00-12:00" overlaps hours.mon[0] "11:00-13:00"`},
		{"bad exception date", nil, map[string][]string{"2026-02-30": {}}, "",
			"exceptions.2026-02-30: not a date, want YYYY-MM-DD"},
		{"sloppy exception date", nil, map[string][]string{"2026-1-5": {}}, "",
			"exceptions.2026-1-5: not a date"},
		{"bad exception interval", nil, map[string][]string{"2026-12-24": {"09:00-08:00"}}, "",
			`exceptions.2026-12-24[0]: "09:00-08:00": opening time must be before closing time`},
		{"unknown state", nil, nil, "Hessen",
			`state: "Hessen" is not a Bundesland code, want one of BW BY BE BB HB HH HE MV NI NW RP SL SN ST SH TH or ""`},
		{"lowercase state", nil, nil, "he", `state: "he" is not a Bundesland code`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FromConfig(tt.hours, tt.exceptions, tt.state, false, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	iv := func(oh, om, ch, cm int) Interval { return Interval{Clock{oh, om}, Clock{ch, cm}} }
	tests := []struct {
		name string
		s    Schedule
		want string // "" = valid
	}{
		{"zero value", Schedule{}, ""},
		{"touching intervals", Schedule{Weekly: [7][]Interval{1: {iv(8, 0, 12, 0), iv(12, 0, 16, 0)}}}, ""},
		{"all day", Schedule{Weekly: [7][]Interval{0: {iv(0, 0, 24, 0)}}, State: "TH"}, ""},
		{"unsorted", Schedule{Weekly: [7][]Interval{2: {iv(13, 0, 16, 0), iv(8, 0, 12, 0)}}},
			"Weekly[Tuesday][1]: 08:00-12:00 overlaps or precedes 13:00-16:00"},
		{"overlapping", Schedule{Weekly: [7][]Interval{5: {iv(8, 0, 12, 0), iv(11, 0, 13, 0)}}},
			"Weekly[Friday][1]: 11:00-13:00 overlaps or precedes 08:00-12:00"},
		{"empty interval", Schedule{Weekly: [7][]Interval{1: {iv(8, 0, 8, 0)}}},
			"Weekly[Monday][0]: 08:00-08:00: opening time must be before closing time"},
		{"hour out of range", Schedule{Weekly: [7][]Interval{1: {iv(8, 0, 25, 0)}}},
			"Weekly[Monday][0]: 08:00-25:00: hour out of range"},
		{"minute out of range", Schedule{Weekly: [7][]Interval{1: {iv(8, -1, 9, 0)}}},
			"Weekly[Monday][0]: 08:-1-09:00: minute out of range"},
		{"bad exception key", Schedule{Exceptions: map[string][]Interval{"24.12.2026": nil}},
			`Exceptions["24.12.2026"]: not a date, want YYYY-MM-DD`},
		{"bad exception interval", Schedule{Exceptions: map[string][]Interval{"2026-12-24": {iv(12, 0, 8, 0)}}},
			`Exceptions["2026-12-24"][0]: 12:00-08:00: opening time must be before closing time`},
		{"unknown state", Schedule{State: "XX"}, `State: "XX" is not a Bundesland code`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.s.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Validate() = %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Validate() = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}
