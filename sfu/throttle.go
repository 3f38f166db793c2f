package sfu

import (
	"sync"
	"time"
)

// keyframeInterval is the minimum gap between two keyframe requests sent
// to one publisher layer while the keyframe asked for has not arrived.
// Requests inside the gap are coalesced into one sent when it ends; a
// keyframe arriving ends the gap, so a late joiner is served at once.
const keyframeInterval = 300 * time.Millisecond

// throttle runs send at most once per interval, deferring (not dropping)
// requests that come too early. It uses a timer, never a polling loop.
type throttle struct {
	interval time.Duration
	send     func()

	mu      sync.Mutex
	last    time.Time
	pending *time.Timer
	stopped bool
}

func newThrottle(interval time.Duration, send func()) *throttle {
	return &throttle{interval: interval, send: send}
}

// request asks for one send, now or at the end of the current interval.
func (t *throttle) request() {
	t.mu.Lock()
	if t.stopped || t.pending != nil {
		t.mu.Unlock()
		return
	}
	wait := t.interval - time.Since(t.last)
	if wait <= 0 {
		t.last = time.Now()
		t.mu.Unlock()
		t.send()
		return
	}
	t.pending = time.AfterFunc(wait, t.fire)
	t.mu.Unlock()
}

func (t *throttle) fire() {
	t.mu.Lock()
	t.pending = nil
	if t.stopped {
		t.mu.Unlock()
		return
	}
	t.last = time.Now()
	t.mu.Unlock()
	t.send()
}

// stop cancels a deferred send; later requests are ignored.
func (t *throttle) stop() {
	t.mu.Lock()
	t.stopped = true
	if t.pending != nil {
		t.pending.Stop()
		t.pending = nil
	}
	t.mu.Unlock()
}

// satisfied records that what was requested arrived (a keyframe): a
// deferred send is dropped and the next request goes out at once.
func (t *throttle) satisfied() {
	t.mu.Lock()
	if t.pending != nil {
		t.pending.Stop()
		t.pending = nil
	}
	t.last = time.Time{}
	t.mu.Unlock()
}
