package reception

import (
	"testing"
	"time"
)

func TestEstimatorStartsAtDefaultAndAdaptsWithinADay(t *testing.T) {
	e := NewEstimator(12 * time.Minute)
	now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	if got := e.Mean("bauamt", now); got != 12*time.Minute {
		t.Fatalf("without history the mean is the default, got %v", got)
	}
	// the Bauamt's consultations take 30 minutes today
	for i := 0; i < 10; i++ {
		now = now.Add(30 * time.Minute)
		e.Add(Sample{OfficeID: "bauamt", EndedAt: now, Duration: 30 * time.Minute})
	}
	if got := e.Mean("bauamt", now); got < 26*time.Minute || got > 30*time.Minute {
		t.Fatalf("after ten 30-minute consultations the mean is %v, want close to 30m", got)
	}
	// other offices are unaffected
	if got := e.Mean("buergerbuero", now); got != 12*time.Minute {
		t.Fatalf("another office moved to %v", got)
	}
	// the next day things are fast again: the old figures fade
	now = now.Add(20 * time.Hour)
	for i := 0; i < 5; i++ {
		now = now.Add(10 * time.Minute)
		e.Add(Sample{OfficeID: "bauamt", EndedAt: now, Duration: 6 * time.Minute})
	}
	if got := e.Mean("bauamt", now); got > 9*time.Minute {
		t.Fatalf("the next morning the mean is still %v, want near 6m", got)
	}
	// after a day without consultations only the default is left
	if got := e.Mean("bauamt", now.Add(25*time.Hour)); got != 12*time.Minute {
		t.Fatalf("after 25 quiet hours the mean is %v, want the default", got)
	}
}

func TestEstimatorWait(t *testing.T) {
	e := NewEstimator(10 * time.Minute)
	now := time.Now()
	cases := []struct {
		name           string
		place, n, busy int
		want           time.Duration
	}{
		{"free chair, first in line", 1, 2, 1, 0},
		{"all busy, first in line", 1, 2, 2, 5 * time.Minute},
		{"all busy, third in line, two clerks", 3, 2, 2, 5*time.Minute + 10*time.Minute},
		{"one clerk, fifth", 5, 1, 1, 5*time.Minute + 40*time.Minute},
		{"nobody on duty", 1, 0, 0, 10 * time.Minute},
		{"not queued", 0, 2, 2, 0},
	}
	for _, c := range cases {
		if got := e.Wait("x", c.place, c.n, c.busy, now); got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
}
