package staff

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// ErrLocalAccount refuses a directory sign-in whose login names a local
// account (one with a password): a directory must not take it over.
var ErrLocalAccount = errors.New("login belongs to a local account")

// auditor is the optional part of the Store that records security events.
type auditor interface {
	Audit(ctx context.Context, actor, action, detail string) error
}

// Provision creates or updates a clerk who signed in through a directory
// (OpenID Connect): role and offices come from the directory, there is no
// local password. The clerk's presence and Matrix id are kept. via names
// the directory for the audit log.
func (s *Service) Provision(ctx context.Context, c Clerk, via string) error {
	if err := ValidateClerk(c); err != nil {
		return err
	}
	a, err := s.store.Account(ctx, c.Login)
	switch {
	case err == nil && a.PasswordHash != "":
		return ErrLocalAccount
	case err == nil:
		c.MatrixID = a.MatrixID
		if a.DisplayName == c.DisplayName && a.Role == c.Role && slices.Equal(a.Offices, c.Offices) {
			return nil
		}
	case !errors.Is(err, ErrNoClerk):
		return err
	}
	if err := s.store.SaveClerk(ctx, c, "", false, clerkAudit(c)); err != nil {
		return fmt.Errorf("provision %s: %w", c.Login, err)
	}
	s.audit(ctx, c.Login, "provisioned_"+via, fmt.Sprintf("role %s offices %v", c.Role, c.Offices))
	if s.OnPresence != nil {
		// the reception learns the new offices and role of a clerk on duty
		if now, err := s.Clerk(ctx, c.Login); err == nil {
			s.OnPresence(now)
		}
	}
	return nil
}

// OpenSession opens a session for a clerk whom a directory has signed in.
func (s *Service) OpenSession(ctx context.Context, login string) (Session, error) {
	if err := s.refuseDisabled(ctx, login); err != nil {
		return Session{}, err
	}
	a, err := s.store.Account(ctx, login)
	if err != nil {
		return Session{}, err
	}
	now := s.now()
	sess := Session{Token: RandomToken(32), CSRF: RandomToken(24), Clerk: a.Clerk, Expires: now.Add(s.policy.SessionLifetime)}
	if err := s.store.CreateSession(ctx, HashToken(sess.Token), a.Login, sess.CSRF, now, sess.Expires); err != nil {
		return Session{}, err
	}
	return sess, nil
}

// EndSessions ends every session of a clerk (the directory no longer
// grants access), records it and takes the clerk off duty.
func (s *Service) EndSessions(ctx context.Context, login, reason string) error {
	if err := s.store.DeleteSessions(ctx, login, ""); err != nil {
		return err
	}
	s.audit(ctx, login, "sessions_ended", reason)
	if c, err := s.Clerk(ctx, login); err == nil && c.Presence != PresenceOffline && c.Presence != PresenceInConsultation {
		_, err = s.SetPresence(ctx, login, PresenceOffline)
		return err
	}
	return nil
}

// Audit records a staff security event (actor: the clerk's login; no
// citizen data).
func (s *Service) Audit(ctx context.Context, actor, action, detail string) {
	s.audit(ctx, actor, action, detail)
}

func (s *Service) audit(ctx context.Context, actor, action, detail string) {
	if a, ok := s.store.(auditor); ok {
		_ = a.Audit(ctx, actor, action, detail)
	}
}

// Local reports whether a clerk has a local password (a local account, as
// opposed to one a directory provisioned).
func (s *Service) Local(ctx context.Context, login string) bool {
	a, err := s.store.Account(ctx, login)
	return err == nil && a.PasswordHash != ""
}

// DirectoryLogin signs a clerk in whose password a directory checks
// (LDAP): the same throttling as a local log-in, then check, then the
// clerk provisioned from its answer and a session opened. check returns
// ErrLogin for a wrong login or password (counted as a failure); any
// other error (the directory unreachable, no mapped group) is passed on
// uncounted. via names the directory for the audit log.
func (s *Service) DirectoryLogin(ctx context.Context, login, addr, via string, check func(context.Context) (Clerk, error)) (Session, error) {
	if wait := s.throttle.admit(login, addr, s.now()); wait > 0 {
		return Session{}, &ThrottledError{Wait: wait}
	}
	c, err := check(ctx)
	if errors.Is(err, ErrLogin) {
		s.throttle.failed(login, addr, s.now())
		return Session{}, ErrLogin
	}
	if err != nil {
		return Session{}, err
	}
	s.throttle.succeeded(login, addr)
	if err := s.Provision(ctx, c, via); err != nil {
		return Session{}, err
	}
	return s.OpenSession(ctx, c.Login)
}

// Grant is what one mapped directory group or provider claim value gives.
type Grant struct {
	Offices []string
	Role    string // clerk, lead or admin; "" is clerk
}

// MaxDisplayName bounds a provisioned clerk's display name (bytes, cut at
// a character boundary).
const MaxDisplayName = 100

// FromGrants is the clerk a directory or an OpenID provider maps: every
// office of the matched grants, the highest role among them, the display
// name bounded (the login when empty). ok is false when nothing matched or
// the result is not a valid clerk.
func FromGrants(login, name string, matched []Grant) (c Clerk, ok bool) {
	if len(matched) == 0 {
		return Clerk{}, false
	}
	rank := map[string]int{string(RoleClerk): 1, string(RoleLead): 2, string(RoleAdmin): 3}
	c = Clerk{Login: login, DisplayName: strings.TrimSpace(name), Role: RoleClerk}
	for _, g := range matched {
		if rank[g.Role] > rank[string(c.Role)] {
			c.Role = Role(g.Role)
		}
		for _, o := range g.Offices {
			if !slices.Contains(c.Offices, o) {
				c.Offices = append(c.Offices, o)
			}
		}
	}
	slices.Sort(c.Offices)
	if c.DisplayName == "" {
		c.DisplayName = login
	}
	if len(c.DisplayName) > MaxDisplayName {
		cut := MaxDisplayName
		for cut > 0 && !utf8.RuneStart(c.DisplayName[cut]) {
			cut--
		}
		c.DisplayName = c.DisplayName[:cut]
	}
	if ValidateClerk(c) != nil {
		return Clerk{}, false
	}
	return c, true
}
