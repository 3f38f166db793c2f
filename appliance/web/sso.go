package web

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/oidcauth"
	"github.com/buergerbuero/buergerbuero/appliance/staff"
)

// ssoSessions holds what a directory clerk's staff session is re-checked
// with (ssoCheck): the OpenID provider's grant (subject, ID and refresh
// token) or the LDAP flag, per session by its token hash. The rows live in
// the database (Options.SSOGrants, staff.SSOGrants), so a session opened
// on one node is re-checked on any other behind a load balancer without
// sticky sessions, and a restart keeps directory clerks signed in. The
// provider's tokens are credentials: the row holds them sealed (AES-GCM)
// with a key derived from the session token, which only the browser has
// (the database keeps its hash), so a copy of the database opens none.
//
// Each node keeps the sessions it served in memory, so that the check on
// every request costs no query; the row is read when a session is new to
// the node and at each re-check, which therefore always starts from the
// newest grant, whichever node refreshed it last. Without a store
// (SSOGrants nil) the grants live in this process only.
type ssoSessions struct {
	store staff.SSOGrants
	mu    sync.Mutex
	m     map[string]*ssoSession
}

type ssoSession struct {
	mu      sync.Mutex
	login   string
	ldap    bool // signed in at the LDAP directory (ldap.go), not the OpenID provider
	subject string
	grant   oidcauth.Grant
	checked time.Time
	expires time.Time // the staff session's absolute deadline
}

// errGrantGone: the session's grant is no longer in the database (another
// node ended the clerk's sessions, or it ran out).
var errGrantGone = errors.New("directory grant gone")

// cached returns the session's entry in this process, nil if none.
func (x *ssoSessions) cached(hash string) *ssoSession {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.m[hash]
}

func (x *ssoSessions) keep(hash string, s *ssoSession) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.m == nil {
		x.m = map[string]*ssoSession{}
	}
	now := time.Now()
	for k, v := range x.m { // sessions that ran out without a logout
		if now.After(v.expires) {
			delete(x.m, k)
		}
	}
	x.m[hash] = s
}

// get returns the session's grant: from memory, else from the database
// (a session opened on another node or before a restart); nil if it has
// none.
func (x *ssoSessions) get(ctx context.Context, token string) (*ssoSession, error) {
	hash := staff.HashToken(token)
	if s := x.cached(hash); s != nil || x.store == nil {
		return s, nil
	}
	s, err := x.load(ctx, token, hash)
	if s != nil {
		x.keep(hash, s)
	}
	return s, err
}

// load reads and unseals the session's row; nil if there is none.
func (x *ssoSessions) load(ctx context.Context, token, hash string) (*ssoSession, error) {
	g, found, err := x.store.SSOGrantGet(ctx, hash)
	if err != nil || !found {
		return nil, err
	}
	s := &ssoSession{login: g.Login, ldap: g.Kind == "ldap", subject: g.Subject, checked: g.Checked, expires: g.Expires}
	if !s.ldap {
		if s.grant, err = openGrant(token, hash, g.Sealed); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// put records a new session's grant (sign-in).
func (x *ssoSessions) put(ctx context.Context, token string, s *ssoSession) error {
	hash := staff.HashToken(token)
	s.checked = s.checked.Truncate(time.Millisecond) // as the database keeps it
	if x.store != nil {
		g := staff.SSOGrant{Login: s.login, Kind: "oidc", Subject: s.subject, Checked: s.checked, Expires: s.expires}
		if s.ldap {
			g.Kind = "ldap"
		}
		sealed, err := sealGrant(token, hash, s.grant)
		if err != nil {
			return err
		}
		g.Sealed = sealed
		if err := x.store.SSOGrantPut(ctx, hash, g); err != nil {
			return err
		}
	}
	x.keep(hash, s)
	return nil
}

// claim decides whether this node re-checks the session now (s locked,
// its interval passed here). It re-reads the row: if another node has
// re-checked it within the interval, s takes over that node's grant and
// there is nothing to do. Otherwise it moves the row's checked_at from the
// value it read to now, conditionally: when two nodes re-check the same
// session at the same moment only one update matches, that node asks the
// provider (a refresh token may be good for one use only), and the other
// re-reads the row and goes on. errGrantGone: the row is gone.
func (x *ssoSessions) claim(ctx context.Context, token string, s *ssoSession, interval time.Duration) (bool, error) {
	now := time.Now().Truncate(time.Millisecond)
	if x.store == nil {
		s.checked = now
		return true, nil
	}
	hash := staff.HashToken(token)
	for range 2 {
		cur, err := x.load(ctx, token, hash)
		if err != nil {
			return false, err
		}
		if cur == nil {
			x.forget(hash)
			return false, errGrantGone
		}
		s.subject, s.grant, s.checked = cur.subject, cur.grant, cur.checked
		if now.Sub(cur.checked) < interval {
			return false, nil
		}
		won, err := x.store.SSOGrantClaim(ctx, hash, cur.checked, now)
		if err != nil || won {
			if won {
				s.checked = now
			}
			return won, err
		}
	}
	return false, nil // claimed by another node twice in a row: its grant is read next time
}

// unclaim gives a claimed re-check back (the provider was unreachable), so
// the next request tries again, on whichever node.
func (x *ssoSessions) unclaim(ctx context.Context, token string, s *ssoSession, prev time.Time) {
	claimed := s.checked
	s.checked = prev
	if x.store != nil {
		_, _ = x.store.SSOGrantClaim(ctx, staff.HashToken(token), claimed, prev)
	}
}

// refreshed stores the grant the re-check that s claimed got.
func (x *ssoSessions) refreshed(ctx context.Context, token string, s *ssoSession, g oidcauth.Grant) error {
	s.grant = g
	if x.store == nil {
		return nil
	}
	hash := staff.HashToken(token)
	sealed, err := sealGrant(token, hash, g)
	if err != nil {
		return err
	}
	_, err = x.store.SSOGrantUpdate(ctx, hash, s.checked, sealed)
	return err
}

// take forgets a session's grant (logout) and returns it, nil if none.
func (x *ssoSessions) take(ctx context.Context, token string) *ssoSession {
	hash := staff.HashToken(token)
	s := x.forget(hash)
	if x.store != nil {
		if cur, err := x.load(ctx, token, hash); err == nil && cur != nil {
			s = cur // the newest grant, whichever node refreshed it
		}
		_ = x.store.SSOGrantDelete(ctx, hash)
	}
	return s
}

func (x *ssoSessions) forget(hash string) *ssoSession {
	x.mu.Lock()
	defer x.mu.Unlock()
	s := x.m[hash]
	delete(x.m, hash)
	return s
}

// dropLogin forgets every grant of a clerk, on every node.
func (x *ssoSessions) dropLogin(ctx context.Context, login string) error {
	x.mu.Lock()
	for k, v := range x.m {
		if v.login == login {
			delete(x.m, k)
		}
	}
	x.mu.Unlock()
	if x.store != nil {
		return x.store.SSOGrantDeleteLogin(ctx, login)
	}
	return nil
}

// grantAEAD is AES-256-GCM under a key derived from the session token.
func grantAEAD(token string) (cipher.AEAD, error) {
	k := sha256.Sum256([]byte("sso grant seal\x00" + token))
	b, err := aes.NewCipher(k[:])
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

// sealGrant seals g for the session (its hash bound as additional data).
func sealGrant(token, hash string, g oidcauth.Grant) ([]byte, error) {
	body, err := json.Marshal(g)
	if err != nil {
		return nil, err
	}
	a, err := grantAEAD(token)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, a.NonceSize())
	rand.Read(nonce)
	return a.Seal(nonce, nonce, body, []byte(hash)), nil
}

func openGrant(token, hash string, sealed []byte) (oidcauth.Grant, error) {
	var g oidcauth.Grant
	a, err := grantAEAD(token)
	if err != nil {
		return g, err
	}
	if len(sealed) < a.NonceSize() {
		return g, errors.New("sealed directory grant too short")
	}
	body, err := a.Open(nil, sealed[:a.NonceSize()], sealed[a.NonceSize():], []byte(hash))
	if err != nil {
		return g, err
	}
	err = json.Unmarshal(body, &g)
	return g, err
}
