package staff

import (
	"net"
	"strings"
	"sync"
	"time"
)

// Throttle configures how failed log-ins slow down further attempts.
//
// There is no lock that anybody could trigger for an account. Instead:
//
//   - Per client address (an IPv6 address counts by its /64): the first
//     AddressAttempts failures are free; after that the address must wait
//     FirstDelay·2^k before its next attempt, k counting the further
//     failures, up to AddressMaxDelay. This is what stops a guesser at one
//     address, whatever account it tries.
//   - Per account, from all addresses together: once an account has seen
//     AccountAttempts failures, every address that has already failed for
//     this account must wait FirstDelay·2^k (k counting the account's
//     further failures, at most AccountMaxDelay) before it may try this
//     account again. A guesser spread over many addresses thus gets one
//     guess per address and then one per AccountMaxDelay, while the clerk
//     is never blocked: an address without a failure for the account may
//     always try at once, and one with a typo waits at most
//     AccountMaxDelay, however many addresses keep failing.
//   - A throttled attempt is refused before the password is checked, so it
//     reveals nothing and costs no hashing.
//   - An attempt counts as failed from the moment it is admitted until the
//     password turns out right, so parallel requests cannot slip past the
//     limit. A correct password ends the (account, address) pair's waiting
//     but keeps the address's and the account's count: a guesser who owns
//     one valid account cannot reset their address with it.
//   - Counts are forgotten Forget after an address's or account's last
//     checked attempt. The state lives in memory (no client address is written to
//     disk) and is bounded; a restart forgets it.
type Throttle struct {
	AddressAttempts int
	AddressMaxDelay time.Duration
	AccountAttempts int
	AccountMaxDelay time.Duration
	FirstDelay      time.Duration
	Forget          time.Duration
}

// maxThrottleEntries bounds each table of the throttle; beyond it forgotten
// entries are swept and then arbitrary ones dropped (an attacker with that
// many addresses is slowed by the per-account limit anyway).
const maxThrottleEntries = 100000

type strikes struct {
	n    int
	last time.Time
}

type pairKey struct{ login, addr string }

// throttle holds the failure counts. Its methods are safe for concurrent use.
type throttle struct {
	p     Throttle
	mu    sync.Mutex
	addrs map[string]*strikes
	accts map[string]*strikes
	pairs map[pairKey]time.Time // last failure of an address for an account
}

func newThrottle(p Throttle) *throttle {
	return &throttle{p: p, addrs: map[string]*strikes{}, accts: map[string]*strikes{}, pairs: map[pairKey]time.Time{}}
}

// backoff is the wait after n failures of which the first free were free.
func (t *throttle) backoff(n, free int, max time.Duration) time.Duration {
	if n < free || t.p.FirstDelay <= 0 {
		return 0
	}
	d := t.p.FirstDelay
	for i := free; i < n && d < max; i++ {
		d *= 2
	}
	return min(d, max)
}

// admit decides whether an attempt for login from addr may go ahead; if so
// it counts the attempt as failed until succeeded is called. Otherwise it
// returns how long to wait.
func (t *throttle) admit(login, addr string, now time.Time) time.Duration {
	login, addr = throttleLogin(login), throttleAddr(addr)
	t.mu.Lock()
	defer t.mu.Unlock()
	a := t.get(t.addrs, addr, now)
	if wait := a.last.Add(t.backoff(a.n, t.p.AddressAttempts, t.p.AddressMaxDelay)).Sub(now); wait > 0 {
		return wait
	}
	c := t.get(t.accts, login, now)
	pk := pairKey{login, addr}
	if last, ok := t.pairs[pk]; ok && now.Sub(last) > t.p.Forget {
		delete(t.pairs, pk)
	} else if ok {
		// the address failed for this account before: once the account is
		// under attack it waits its turn
		if wait := last.Add(t.backoff(c.n, t.p.AccountAttempts, t.p.AccountMaxDelay)).Sub(now); wait > 0 {
			return wait
		}
	}
	a.n, a.last = a.n+1, now
	c.n, c.last = c.n+1, now
	if len(t.pairs) >= maxThrottleEntries {
		t.sweepPairs(now)
	}
	t.pairs[pk] = now
	return 0
}

// failed records the end of an admitted attempt with a wrong password: the
// waits run from now.
func (t *throttle) failed(login, addr string, now time.Time) {
	login, addr = throttleLogin(login), throttleAddr(addr)
	t.mu.Lock()
	defer t.mu.Unlock()
	if a, ok := t.addrs[addr]; ok {
		a.last = now
	}
	if c, ok := t.accts[login]; ok {
		c.last = now
	}
	t.pairs[pairKey{login, addr}] = now
}

// succeeded takes back the failure counted by admit.
func (t *throttle) succeeded(login, addr string) {
	login, addr = throttleLogin(login), throttleAddr(addr)
	t.mu.Lock()
	defer t.mu.Unlock()
	if a, ok := t.addrs[addr]; ok && a.n > 0 {
		a.n--
	}
	if c, ok := t.accts[login]; ok && c.n > 0 {
		c.n--
	}
	delete(t.pairs, pairKey{login, addr})
}

// get returns the live entry for key, forgetting a stale one.
func (t *throttle) get(m map[string]*strikes, key string, now time.Time) *strikes {
	if s, ok := m[key]; ok && now.Sub(s.last) <= t.p.Forget {
		return s
	}
	if len(m) >= maxThrottleEntries {
		for k, s := range m {
			if now.Sub(s.last) > t.p.Forget {
				delete(m, k)
			}
		}
		for k := range m {
			if len(m) < maxThrottleEntries {
				break
			}
			delete(m, k)
		}
	}
	s := &strikes{}
	m[key] = s
	return s
}

func (t *throttle) sweepPairs(now time.Time) {
	for k, last := range t.pairs {
		if now.Sub(last) > t.p.Forget {
			delete(t.pairs, k)
		}
	}
	for k := range t.pairs {
		if len(t.pairs) < maxThrottleEntries {
			break
		}
		delete(t.pairs, k)
	}
}

// throttleAddr groups IPv6 addresses by /64 (one subscriber's prefix).
func throttleAddr(addr string) string {
	ip := net.ParseIP(addr)
	if ip == nil {
		return addr
	}
	if ip.To4() != nil {
		return ip.To4().String()
	}
	return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
}

func throttleLogin(login string) string {
	login = strings.ToLower(login)
	if len(login) > 64 {
		login = login[:64]
	}
	return login
}
