package hours

import (
	"strings"
	"testing"
)

func TestParseInterval(t *testing.T) {
	tests := []struct {
		in      string
		want    Interval
		wantErr string // substring of the error; "" = no error
	}{
		{"08:00-12:30", Interval{Clock{8, 0}, Clock{12, 30}}, ""},
		{"00:00-24:00", Interval{Clock{0, 0}, Clock{24, 0}}, ""},
		{"8:00 - 9:15", Interval{Clock{8, 0}, Clock{9, 15}}, ""},
		{"08:00–12:00", Interval{Clock{8, 0}, Clock{12, 0}}, ""},
		{"25:00-26:00", Interval{}, `"25:00-26:00": hour out of range`},
		{"08:00-25:00", Interval{}, `"08:00-25:00": hour out of range`},
		{"08:60-09:00", Interval{}, `"08:60-09:00": minute out of range`},
		{"08:00-24:30", Interval{}, "only 24:00 is allowed after 23:59"},
		{"12:00-08:00", Interval{}, "opening time must be before closing time"},
		{"12:00-12:00", Interval{}, "opening time must be before closing time"},
		{"24:00-24:00", Interval{}, "opening time must be before closing time"},
		{"08:00", Interval{}, `missing "-"`},
		{"", Interval{}, `missing "-"`},
		{"8-12", Interval{}, `"8" is not a time, want HH:MM`},
		{"08:0-12:00", Interval{}, `"08:0" is not a time`},
		{"ab:cd-12:00", Interval{}, `"ab:cd" is not a time`},
		{"-1:00-12:00", Interval{}, `is not a time`},
		{"08:00-12:00-13:00", Interval{}, `"12:00-13:00" is not a time`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseInterval(tt.in)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("ParseInterval(%q): %v", tt.in, err)
				}
				if got != tt.want {
					t.Errorf("ParseInterval(%q) = %v, want %v", tt.in, got, tt.want)
				}
				if back, err := ParseInterval(got.String()); err != nil || back != got {
					t.Errorf("round trip of %v: %v, %v", got, back, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseInterval(%q) error = %v, want it to contain %q", tt.in, err, tt.wantErr)
			}
		})
	}
}
