// Package pow issues and checks the proof of work that guards booking holds:
// ALTCHA's first protocol (SHA-256, a random number below max_number hidden
// behind a salted hash, the challenge signed with HMAC-SHA-256), via
// github.com/altcha-org/altcha-lib-go v1. It owns the installation's HMAC
// key, the cost (max number) and lifetime of a challenge, and the memory of
// spent solutions; it knows nothing of bookings or HTTP.
//
// One node: spent solutions are remembered in memory until their challenge
// expires. Several nodes behind one name share the key (from the shared
// database, app/cluster.go) and the spent set (Share), or a solution could
// be spent once per node.
package pow

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	altcha "github.com/altcha-org/altcha-lib-go"
)

// Defaults, see Settings and docs/pow.md for the reasoning.
const (
	// DefaultMaxNumber makes a mid-range phone search about a second on
	// average (about 100 000 SHA-256 per second in the widget's workers,
	// half the range on average).
	DefaultMaxNumber = 200_000
	// DefaultExpiry is how long a challenge may be solved and spent.
	DefaultExpiry = 5 * time.Minute
)

// Settings tune the cost and lifetime of challenges.
type Settings struct {
	// MaxNumber bounds the secret number; the solver tries on average half
	// of it. Zero means DefaultMaxNumber.
	MaxNumber int64
	// Expiry is how long a challenge stays valid. Zero means DefaultExpiry.
	Expiry time.Duration
}

// PoW issues challenges and checks solutions. It is safe for concurrent
// use.
type PoW struct {
	key       string
	maxNumber int64
	expiry    time.Duration
	now       func() time.Time

	mu    sync.Mutex
	spent map[string]time.Time // signature → expiry of its challenge
	sweep int                  // sweep the spent set when it reaches this size
	// shared, when set, replaces the spent map (several nodes).
	shared Spender
}

// Spender remembers spent solutions for every node: Spend is true the
// first time a signature is spent, on any node, until exp; safe for
// concurrent use by several processes.
type Spender interface {
	Spend(sig string, exp time.Time) (bool, error)
}

// Share keeps the spent solutions in s from now on; call it before use.
func (p *PoW) Share(s Spender) { p.shared = s }

// New returns a PoW signing with key (see LoadKey).
func New(key []byte, s Settings) (*PoW, error) {
	if len(key) < 32 {
		return nil, errors.New("pow: key shorter than 32 bytes")
	}
	if s.MaxNumber == 0 {
		s.MaxNumber = DefaultMaxNumber
	}
	if s.Expiry == 0 {
		s.Expiry = DefaultExpiry
	}
	if s.MaxNumber < 1 || s.Expiry < 0 {
		return nil, fmt.Errorf("pow: max number %d and expiry %s must be positive", s.MaxNumber, s.Expiry)
	}
	return &PoW{key: string(key), maxNumber: s.MaxNumber, expiry: s.Expiry, now: time.Now,
		spent: map[string]time.Time{}, sweep: 1024}, nil
}

// Challenge returns a fresh challenge as the widget reads it:
// {algorithm, challenge, maxNumber, salt, signature}. The salt carries the
// expiry (salt?expires=<unix>&), so the signature covers it.
func (p *PoW) Challenge() (any, error) {
	exp := p.now().Add(p.expiry)
	c, err := altcha.CreateChallenge(altcha.ChallengeOptions{
		Algorithm: altcha.SHA256, MaxNumber: p.maxNumber, HMACKey: p.key, Expires: &exp,
	})
	if err != nil {
		return nil, fmt.Errorf("pow: create challenge: %w", err)
	}
	return c, nil
}

// Verify checks a solved challenge, the widget's base64 payload. It is true
// once for a correct solution of an unexpired challenge of ours; a
// malformed, wrong, forged, expired or already spent payload is false with
// a nil error.
func (p *PoW) Verify(payload string) (bool, error) {
	if len(payload) > 4096 {
		return false, nil
	}
	// Checking the expiry ourselves (on p.now) instead of in the library.
	ok, err := altcha.VerifySolutionSafe(payload, p.key, false)
	if err != nil || !ok {
		return false, nil
	}
	parsed, err := decode(payload)
	if err != nil || parsed.Algorithm != string(altcha.SHA256) {
		return false, nil
	}
	exp, ok := expires(parsed.Salt)
	now := p.now()
	if !ok || !now.Before(exp) {
		return false, nil
	}
	if p.shared != nil {
		return p.shared.Spend(parsed.Signature, exp)
	}
	return p.spend(parsed.Signature, exp, now), nil
}

// spend records sig as spent until exp; false if it already was.
func (p *PoW) spend(sig string, exp, now time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, seen := p.spent[sig]; seen {
		return false
	}
	p.spent[sig] = exp
	if len(p.spent) >= p.sweep {
		for s, e := range p.spent {
			if !now.Before(e) {
				delete(p.spent, s)
			}
		}
		p.sweep = max(1024, 2*len(p.spent))
	}
	return true
}

// expires reads the expiry the salt carries (ALTCHA's "expires" parameter).
func expires(salt string) (time.Time, bool) {
	_, query, found := strings.Cut(salt, "?")
	if !found {
		return time.Time{}, false
	}
	v, err := url.ParseQuery(query)
	if err != nil {
		return time.Time{}, false
	}
	sec, err := strconv.ParseInt(v.Get("expires"), 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(sec, 0), true
}

// decode reads the widget's payload: base64 of the JSON solution.
func decode(payload string) (altcha.Payload, error) {
	var p altcha.Payload
	b, err := base64.StdEncoding.DecodeString(payload)
	if err != nil {
		return p, err
	}
	return p, json.Unmarshal(b, &p)
}
