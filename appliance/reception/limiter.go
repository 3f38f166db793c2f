package reception

import (
	"sync"
	"time"
)

// limiter is a token bucket per client address for knocks. Addresses are
// kept in memory only, for at most one refill period.
type limiter struct {
	mu     sync.Mutex
	burst  float64
	per    time.Duration
	bucket map[string]*bucket
	sweep  time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newLimiter(burst int, per time.Duration) *limiter {
	if burst < 1 {
		burst = 1
	}
	if per <= 0 {
		per = time.Minute
	}
	return &limiter{burst: float64(burst), per: per, bucket: map[string]*bucket{}}
}

func (l *limiter) allow(client string, now time.Time) bool {
	if client == "" {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.sweep) > l.per {
		for k, b := range l.bucket {
			if now.Sub(b.at) > l.per {
				delete(l.bucket, k)
			}
		}
		l.sweep = now
	}
	b, ok := l.bucket[client]
	if !ok {
		b = &bucket{tokens: l.burst, at: now}
		l.bucket[client] = b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.at).Seconds()*l.burst/l.per.Seconds())
	b.at = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
