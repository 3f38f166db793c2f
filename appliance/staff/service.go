package staff

import (
	"context"
	"errors"
	"time"
)

// Policy configures log-in lockout and sessions.
type Policy struct {
	LockoutThreshold int
	LockoutWindow    time.Duration
	LockoutDuration  time.Duration
	SessionLifetime  time.Duration
}

// Service implements log-in, sessions and presence.
type Service struct {
	store  Store
	policy Policy
	now    func() time.Time
	// OnPresence is called after a presence change (occupancy, events).
	OnPresence func(Clerk)
}

// NewService creates the staff service.
func NewService(s Store, p Policy) *Service {
	return &Service{store: s, policy: p, now: time.Now}
}

// Session is an authenticated staff session.
type Session struct {
	Token   string // the cookie value; only its hash is stored
	CSRF    string
	Clerk   Clerk
	Expires time.Time
}

// Login checks credentials with lockout and opens a session.
func (s *Service) Login(ctx context.Context, login, password string) (Session, error) {
	now := s.now()
	a, err := s.store.Account(ctx, login)
	if errors.Is(err, ErrNoClerk) {
		CheckPassword(dummyHash, password)
		return Session{}, ErrLogin
	}
	if err != nil {
		return Session{}, err
	}
	if now.Before(a.LockedUntil) {
		return Session{}, ErrLocked
	}
	if !CheckPassword(a.PasswordHash, password) {
		count, since := a.FailedCount+1, a.FailedSince
		if since.IsZero() || now.Sub(since) > s.policy.LockoutWindow {
			count, since = 1, now
		}
		var locked time.Time
		if count >= s.policy.LockoutThreshold {
			locked = now.Add(s.policy.LockoutDuration)
			count, since = 0, time.Time{}
		}
		if err := s.store.RecordLogin(ctx, login, count, since, locked); err != nil {
			return Session{}, err
		}
		if !locked.IsZero() {
			return Session{}, ErrLocked
		}
		return Session{}, ErrLogin
	}
	if a.FailedCount != 0 || !a.LockedUntil.IsZero() {
		if err := s.store.RecordLogin(ctx, login, 0, time.Time{}, time.Time{}); err != nil {
			return Session{}, err
		}
	}
	sess := Session{Token: RandomToken(32), CSRF: RandomToken(24), Clerk: a.Clerk, Expires: now.Add(s.policy.SessionLifetime)}
	if err := s.store.CreateSession(ctx, HashToken(sess.Token), login, sess.CSRF, sess.Expires); err != nil {
		return Session{}, err
	}
	return sess, nil
}

// Resolve finds the clerk behind a session token.
func (s *Service) Resolve(ctx context.Context, token string) (Session, error) {
	if token == "" {
		return Session{}, ErrNoSession
	}
	login, csrf, err := s.store.Session(ctx, HashToken(token), s.now())
	if err != nil {
		return Session{}, err
	}
	a, err := s.store.Account(ctx, login)
	if err != nil {
		return Session{}, ErrNoSession
	}
	return Session{Token: token, CSRF: csrf, Clerk: a.Clerk}, nil
}

// Logout ends a session.
func (s *Service) Logout(ctx context.Context, token string) error {
	return s.store.DeleteSession(ctx, HashToken(token))
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

// Save creates or updates a clerk; password "" keeps the old one.
func (s *Service) Save(ctx context.Context, c Clerk, password string, mustChange bool) error {
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
	return s.store.SaveClerk(ctx, c, hash, mustChange)
}
