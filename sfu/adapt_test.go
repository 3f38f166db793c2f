package sfu

import "testing"

func TestChooseLayer(t *testing.T) {
	rates := [maxLayers]uint64{150_000, 500_000, 1_500_000}
	tests := []struct {
		name     string
		cur, max int
		estimate uint64
		rates    [maxLayers]uint64
		want     int
	}{
		{"no estimate: subscriber's choice", 0, 2, 0, rates, 2},
		{"plenty of bandwidth", 2, 2, 5_000_000, rates, 2},
		{"estimate drops below high", 2, 2, 1_000_000, rates, 1},
		{"very low estimate: lowest layer anyway", 1, 2, 50_000, rates, 0},
		{"capped by the subscriber", 0, 1, 5_000_000, rates, 1},
		{"up needs headroom", 1, 2, 1_800_000, rates, 1},
		{"up with headroom", 1, 2, 2_100_000, rates, 2},
		{"stays while within 90 %", 2, 2, 1_700_000, rates, 2},
		{"missing middle layer", 2, 2, 1_000_000, [maxLayers]uint64{150_000, 0, 1_500_000}, 0},
	}
	for _, tc := range tests {
		if got := chooseLayer(tc.cur, tc.max, tc.estimate, tc.rates); got != tc.want {
			t.Errorf("%s: got layer %d, want %d", tc.name, got, tc.want)
		}
	}
}
