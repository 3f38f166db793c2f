package web

import (
	"sync"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/problem"
)

// Joining an event needs no account, so the anonymous viewer sessions a
// client address may open are bounded: viewerJoinBurst per
// viewerJoinWindow. Whole families or an office behind one NAT stay well
// below it; a script filling the database does not. The address is kept
// in memory for the window only, never stored.
const (
	viewerJoinBurst  = 60
	viewerJoinWindow = time.Minute
	maxJoinAddresses = 100_000
)

var errJoinRate = problem.New(problem.KindRateLimited, "rate_limited")

type joinWindow struct {
	start time.Time
	n     int
}

type joinLimiter struct {
	mu   sync.Mutex
	seen map[string]*joinWindow
}

// allow counts a join from addr and reports whether it is within bounds.
func (l *joinLimiter) allow(addr string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.seen == nil || len(l.seen) >= maxJoinAddresses {
		for a, w := range l.seen {
			if now.Sub(w.start) >= viewerJoinWindow {
				delete(l.seen, a)
			}
		}
		if l.seen == nil {
			l.seen = map[string]*joinWindow{}
		}
		if len(l.seen) >= maxJoinAddresses {
			return false
		}
	}
	w := l.seen[addr]
	if w == nil || now.Sub(w.start) >= viewerJoinWindow {
		w = &joinWindow{start: now}
		l.seen[addr] = w
	}
	w.n++
	return w.n <= viewerJoinBurst
}
