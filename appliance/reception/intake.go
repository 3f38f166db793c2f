package reception

import (
	"slices"
	"sync"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/hours"
	"github.com/buergerbuero/buergerbuero/appliance/problem"
)

// Office states on the public office list.
const (
	OfficeClosed    = "closed"    // outside opening hours
	OfficeUnstaffed = "unstaffed" // open, but no clerk on duty
	OfficeOpen      = "open"      // open with at least one clerk on duty
)

// ErrNobodyOnDuty refuses a knock while an office is open but no clerk is
// on duty, unless the office accepts knocks without a clerk.
var ErrNobodyOnDuty = problem.New(problem.KindClosed, "nobody_on_duty")

// errLanguageNotOffered refuses a knock in a language the office does not
// offer; the message lists the offered ones.
var errLanguageNotOffered = problem.New(problem.KindInvalid, "language_not_offered")

// knockLock returns the mutex that orders an office's knocks. Knock time,
// ticket number and the place in the queue are decided under it in one
// step, so numbers follow knock order and the place in the knock answer is
// the true one; offices do not wait for each other.
func (s *Service) knockLock(office string) *sync.Mutex {
	if mu, ok := s.knockLocks.Load(office); ok {
		return mu.(*sync.Mutex)
	}
	mu, _ := s.knockLocks.LoadOrStore(office, new(sync.Mutex))
	return mu.(*sync.Mutex)
}

// knockTime returns a unique, increasing knock time in whole milliseconds:
// the store keeps milliseconds, and the queue order (by knock time) must be
// the same in memory, in the database and after a restart.
func (s *Service) knockTime(now time.Time) time.Time {
	now = now.Truncate(time.Millisecond)
	s.knockMu.Lock()
	defer s.knockMu.Unlock()
	if !now.After(s.lastKnock) {
		now = s.lastKnock.Add(time.Millisecond)
	}
	s.lastKnock = now
	return now
}

// language checks a knock's language against the office's languages; ""
// picks the office's first.
func language(o officeEntry, lang string) (string, error) {
	offered := o.Languages
	if len(offered) == 0 {
		offered = []string{"de"}
	}
	if lang == "" {
		return offered[0], nil
	}
	if slices.Contains(offered, lang) {
		return lang, nil
	}
	return "", errLanguageNotOffered.With("language", map[string]any{"Allowed": offered})
}

// officeState says whether an office is closed, open without a clerk on
// duty, or open and staffed.
func officeState(h hours.Status, onDuty int) string {
	switch {
	case !h.Open:
		return OfficeClosed
	case onDuty == 0:
		return OfficeUnstaffed
	}
	return OfficeOpen
}

// intake says why an office does not take knocks now (nil: it does).
//
// The rule: the office must be open; a clerk must be on duty unless the
// office accepts knocks without one; and the new citizen's estimated start
// plus half a consultation must fall before the end of the current opening
// interval. A citizen who is let in therefore never sees an estimate past
// closing time (see capAtClosing for later changes).
func (s *Service) intake(o officeEntry, now time.Time) error {
	st := o.sched.At(now)
	if !st.Open {
		return ErrClosed
	}
	if s.staffing(o) == 0 && !o.KnocksWithoutClerk {
		return ErrNobodyOnDuty
	}
	wait := s.estimate(o, s.q.count(o.ID)+1)
	// the consultation itself must also fit before closing
	if !o.sched.OpenUntil(now, wait+s.est.Mean(o.ID, now)/2) {
		return ErrClosingSoon
	}
	if s.q.count(o.ID) >= s.set.MaxQueue {
		return ErrQueueFull
	}
	return nil
}

// capAtClosing keeps an estimate from running past the office's closing
// time. Intake already refuses knocks whose estimate would; this catches
// estimates that grow afterwards (a clerk signs off, consultations take
// longer): citizens already waiting are served before the office closes,
// and after closing the estimate is 0 (next, as soon as possible).
func capAtClosing(wait time.Duration, now time.Time, h hours.Status) time.Duration {
	if !h.Open {
		return 0
	}
	if h.ClosesAt.IsZero() {
		return wait
	}
	return max(0, min(wait, h.ClosesAt.Sub(now)))
}
