package reception

import (
	"math"
	"sync"
	"time"
)

// Sample is the handling time of one ended consultation. It carries no
// personal data: office, end time and duration only.
type Sample struct {
	OfficeID string
	EndedAt  time.Time
	Duration time.Duration
}

// Estimator predicts waiting times from recent handling times.
//
// Per office it keeps the consultations that ended in the last 24 hours and
// computes a time-decayed mean handling time: a consultation that ended h
// hours ago weighs 2^(-h/HalfLife). The configured default handling time
// enters as a prior worth PriorWeight consultations, so an office without
// history starts at the default and moves to its own figures as soon as a
// few consultations have ended — within hours, always within a day.
//
// The wait for the citizen at place p (1 = next) with n clerks on duty is
//
//	wait(p) = residual + (p-1) · mean / n
//
// where residual = mean/2 when all n chairs are busy (on average half of a
// running consultation is left), 0 when a chair is free, and a whole mean
// when no clerk is on duty. Only aggregate
// figures are used; no other citizen's data is ever shown.
type Estimator struct {
	Default     time.Duration
	HalfLife    time.Duration
	PriorWeight float64
	Window      time.Duration

	mu      sync.Mutex
	samples map[string][]Sample
}

// NewEstimator returns an estimator with the documented defaults.
func NewEstimator(def time.Duration) *Estimator {
	return &Estimator{Default: def, HalfLife: 3 * time.Hour, PriorWeight: 1, Window: 24 * time.Hour, samples: map[string][]Sample{}}
}

// Add records an ended consultation.
func (e *Estimator) Add(s Sample) {
	if s.Duration <= 0 {
		return
	}
	e.mu.Lock()
	e.samples[s.OfficeID] = append(e.samples[s.OfficeID], s)
	e.mu.Unlock()
}

// Mean returns the decayed mean handling time of an office at now.
func (e *Estimator) Mean(office string, now time.Time) time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	list := e.samples[office]
	// drop samples outside the window (they are sorted by arrival)
	cut := 0
	for cut < len(list) && now.Sub(list[cut].EndedAt) > e.Window {
		cut++
	}
	if cut > 0 {
		list = append(list[:0:0], list[cut:]...)
		e.samples[office] = list
	}
	wsum := e.PriorWeight
	sum := e.PriorWeight * float64(e.Default)
	for _, s := range list {
		age := now.Sub(s.EndedAt)
		if age < 0 {
			age = 0
		}
		w := math.Exp2(-float64(age) / float64(e.HalfLife))
		wsum += w
		sum += w * float64(s.Duration)
	}
	return time.Duration(sum / wsum)
}

// Wait estimates the wait at place (1-based) with n clerks on duty of whom
// busy are in a consultation.
func (e *Estimator) Wait(office string, place, n, busy int, now time.Time) time.Duration {
	if place < 1 {
		return 0
	}
	return e.waitWith(e.Mean(office, now), place, n, busy)
}

func (e *Estimator) waitWith(mean time.Duration, place, n, busy int) time.Duration {
	if place < 1 {
		return 0
	}
	var residual time.Duration
	switch {
	case n < 1:
		// nobody on duty yet: assume one whole consultation before anyone is free
		n, residual = 1, mean
	case busy >= n:
		residual = mean / 2
	}
	return residual + time.Duration(place-1)*mean/time.Duration(n)
}
