package staff

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// Policy configures log-in throttling and sessions.
type Policy struct {
	Throttle Throttle
	// SessionLifetime is the absolute limit of a session.
	SessionLifetime time.Duration
	// SessionIdle ends a session that has not been used for this long; 0
	// disables the idle limit.
	SessionIdle time.Duration
	// TOTPRoles require a TOTP second factor of local accounts (see totp.go).
	TOTPRoles []Role
}

// MinNewPassword is the shortest password a clerk may choose.
const MinNewPassword = 12

// MaxNewPassword is the longest (in bytes).
const MaxNewPassword = 200

// Service implements log-in, sessions and presence.
type Service struct {
	store    Store
	policy   Policy
	throttle *throttle
	// keep holds second steps and enrolments in progress (totp_keep.go)
	keep *atomic.Pointer[keeper]
	now  func() time.Time
	// OnPresence is called after a presence change (occupancy, events).
	OnPresence func(Clerk)
}

// NewService creates the staff service.
func NewService(s Store, p Policy) *Service {
	return &Service{store: s, policy: p, throttle: newThrottle(p.Throttle), now: time.Now, keep: newKeep()}
}

// SetClock replaces the service's clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// Session is an authenticated staff session.
type Session struct {
	Token   string // the cookie value; only its hash is stored
	CSRF    string
	Clerk   Clerk
	Expires time.Time
	// MustChange marks a session opened with a one-time password: it may
	// only set a new password or log out.
	MustChange bool
	// MustEnrol marks a session of a local account whose role requires
	// TOTP and which has none: it may only enrol or log out.
	MustEnrol bool
}

// Login checks credentials, throttled per client address and per account
// (see Throttle), and opens a session. addr is the client address.
func (s *Service) Login(ctx context.Context, login, password, addr string) (Session, error) {
	if wait := s.throttle.admit(login, addr, s.now()); wait > 0 {
		return Session{}, &ThrottledError{Wait: wait}
	}
	a, err := s.store.Account(ctx, login)
	if errors.Is(err, ErrNoClerk) {
		CheckPassword(dummyHash, password)
		s.throttle.failed(login, addr, s.now())
		return Session{}, ErrLogin
	}
	if err != nil {
		s.throttle.succeeded(login, addr) // not the caller's fault
		return Session{}, err
	}
	if !CheckPassword(a.PasswordHash, password) {
		s.throttle.failed(login, addr, s.now())
		return Session{}, ErrLogin
	}
	s.throttle.succeeded(login, addr)
	if a.TOTPSecret != "" {
		return Session{}, s.secondStep(ctx, a.Login)
	}
	return s.openSession(ctx, a)
}

// openSession opens a session for an authenticated account.
func (s *Service) openSession(ctx context.Context, a Account) (Session, error) {
	if err := s.refuseDisabled(ctx, a.Login); err != nil {
		return Session{}, err
	}
	now := s.now()
	sess := Session{Token: RandomToken(32), CSRF: RandomToken(24), Clerk: a.Clerk, Expires: now.Add(s.policy.SessionLifetime), MustChange: a.MustChange, MustEnrol: s.mustEnrol(a)}
	if err := s.store.CreateSession(ctx, HashToken(sess.Token), a.Login, sess.CSRF, now, sess.Expires); err != nil {
		return Session{}, err
	}
	return sess, nil
}

// touchEvery bounds how often use of a session is written back: the idle
// deadline may come this much early, in exchange for no write per request.
func (s *Service) touchEvery() time.Duration { return min(time.Minute, s.policy.SessionIdle/10) }

// Resolve finds the clerk behind a session token. A session past its
// absolute or idle deadline is ended; use extends the idle deadline.
func (s *Service) Resolve(ctx context.Context, token string) (Session, error) {
	if token == "" {
		return Session{}, ErrNoSession
	}
	id := HashToken(token)
	st, err := s.store.Session(ctx, id)
	if err != nil {
		return Session{}, err
	}
	now := s.now()
	idle := s.policy.SessionIdle > 0 && !st.LastSeen.IsZero() && now.Sub(st.LastSeen) > s.policy.SessionIdle
	if now.After(st.Expires) || idle {
		if err := s.store.DeleteSession(ctx, id); err != nil {
			return Session{}, err
		}
		return Session{}, ErrNoSession
	}
	if s.policy.SessionIdle > 0 && now.Sub(st.LastSeen) >= s.touchEvery() {
		if err := s.store.TouchSession(ctx, id, now); err != nil {
			return Session{}, fmt.Errorf("touch session: %w", err)
		}
	}
	a, err := s.store.Account(ctx, st.Login)
	if err != nil {
		return Session{}, ErrNoSession
	}
	return Session{Token: token, CSRF: st.CSRF, Clerk: a.Clerk, Expires: st.Expires, MustChange: a.MustChange, MustEnrol: s.mustEnrol(a)}, nil
}

// ChangePassword sets a clerk's own new password after checking the
// current one (throttled like a log-in) and ends the clerk's other
// sessions. It lifts the one-time password's restriction.
func (s *Service) ChangePassword(ctx context.Context, sess Session, addr, current, next string) error {
	login := sess.Clerk.Login
	if wait := s.throttle.admit(login, addr, s.now()); wait > 0 {
		return &ThrottledError{Wait: wait}
	}
	a, err := s.store.Account(ctx, login)
	if err != nil {
		s.throttle.succeeded(login, addr)
		return err
	}
	if !CheckPassword(a.PasswordHash, current) {
		s.throttle.failed(login, addr, s.now())
		return ErrCurrentPassword
	}
	s.throttle.succeeded(login, addr)
	// blanks around it do not count: twelve spaces are no password
	if n := utf8.RuneCountInString(strings.TrimSpace(next)); n < MinNewPassword || len(next) > MaxNewPassword {
		return ErrNewPasswordShort
	}
	if next == current {
		return ErrNewPasswordSame
	}
	hash, err := HashPassword(next)
	if err != nil {
		return ErrNewPasswordShort
	}
	if err := s.store.SetPassword(ctx, login, hash, false); err != nil {
		return fmt.Errorf("set password of %s: %w", login, err)
	}
	return s.store.DeleteSessions(ctx, login, HashToken(sess.Token))
}

// Logout ends a session.
//
// A clerk who signs out is no longer on duty: a waiting room must not count
// on somebody who left (a clerk still in a consultation keeps that state
// until it ends).
func (s *Service) Logout(ctx context.Context, token string) error {
	id := HashToken(token)
	st, lookupErr := s.store.Session(ctx, id)
	if err := s.store.DeleteSession(ctx, id); err != nil {
		return err
	}
	if lookupErr != nil || st.Login == "" {
		return nil
	}
	c, err := s.Clerk(ctx, st.Login)
	if err != nil || c.Presence == PresenceOffline || c.Presence == PresenceInConsultation {
		return nil
	}
	_, err = s.SetPresence(ctx, st.Login, PresenceOffline)
	return err
}

// Clerk loads a clerk by login.
func (s *Service) Clerk(ctx context.Context, login string) (Clerk, error) {
	a, err := s.store.Account(ctx, login)
	return a.Clerk, err
}

// Clerks lists all clerks.
func (s *Service) Clerks(ctx context.Context) ([]Clerk, error) { return s.store.Clerks(ctx) }

// SetPresence changes a clerk's presence.
func (s *Service) SetPresence(ctx context.Context, login string, p Presence) (Clerk, error) {
	if !ValidPresence(p) {
		return Clerk{}, errors.New("unknown presence")
	}
	if err := s.store.SetPresence(ctx, login, p); err != nil {
		return Clerk{}, err
	}
	c, err := s.Clerk(ctx, login)
	if err == nil && s.OnPresence != nil {
		s.OnPresence(c)
	}
	return c, err
}

// Save creates or updates a clerk; password "" keeps the old one. With
// oneTime the clerk must choose a new password at the first log-in.
func (s *Service) Save(ctx context.Context, c Clerk, password string, oneTime bool) error {
	if err := ValidateClerk(c); err != nil {
		return err
	}
	hash := ""
	if password != "" {
		var err error
		if hash, err = HashPassword(password); err != nil {
			return err
		}
	}
	return s.store.SaveClerk(ctx, c, hash, oneTime, clerkAudit(c))
}
