package web

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/ldapauth"
	"github.com/buergerbuero/buergerbuero/appliance/staff"
)

// Staff sign-in against the county's LDAP directory (Options.LDAP): the
// ordinary log-in form (page and API) checks a login that is not a local
// account at the directory, with the same throttling; the clerk is
// provisioned as for OpenID Connect (staff.Provision) and gets an ordinary
// staff session, whose clerk is looked up in the directory again after the
// re-check interval (ssoCheck). Local accounts keep their password.

// signIn checks a login: a local account by its password, any other login
// at the directory when one is configured.
func (s *Server) signIn(ctx context.Context, login, password, addr string) (staff.Session, error) {
	d := s.opt.LDAP
	// directory logins are case-insensitive: one spelling for the
	// throttle, and a local account's name in any case stays local
	norm := strings.ToLower(strings.TrimSpace(login))
	if d == nil || s.staff.Local(ctx, norm) {
		return s.staff.Login(ctx, login, password, addr)
	}
	sess, err := s.staff.DirectoryLogin(ctx, norm, addr, "ldap", func(ctx context.Context) (staff.Clerk, error) {
		return d.Authenticate(ctx, login, password)
	})
	switch {
	case errors.Is(err, ldapauth.ErrUnavailable):
		s.log.Warn("ldap sign-in: directory unreachable", "err", err)
		return staff.Session{}, ldapauth.ErrUnavailable
	case errors.Is(err, staff.ErrLocalAccount):
		return staff.Session{}, staff.ErrLogin
	case err != nil:
		if errors.Is(err, ldapauth.ErrNoAccess) {
			s.staff.Audit(ctx, "", "ldap_refused", "ldap_no_access")
		}
		return staff.Session{}, err
	}
	if err := s.sso.put(ctx, sess.Token, &ssoSession{login: sess.Clerk.Login, ldap: true, checked: time.Now(), expires: sess.Expires}); err != nil {
		s.staff.Logout(ctx, sess.Token)
		return staff.Session{}, err
	}
	s.staff.Audit(ctx, sess.Clerk.Login, "signed_in_ldap", "")
	return sess, nil
}

// ldapRecheck looks a directory clerk up again (x locked, its re-check
// claimed by ssoCheck; prev is the re-check before). A clerk gone from the
// directory or its mapped groups loses every session; an unreachable
// directory keeps the session until the next request, as with OpenID
// Connect.
func (s *Server) ldapRecheck(ctx context.Context, sess *staff.Session, x *ssoSession, prev time.Time) error {
	c, err := s.opt.LDAP.Check(ctx, x.login)
	if errors.Is(err, ldapauth.ErrUnavailable) {
		s.log.Warn("ldap re-check: directory unreachable; the session goes on")
		s.sso.unclaim(ctx, sess.Token, x, prev)
		return nil
	}
	if err == nil {
		err = s.staff.Provision(ctx, c, "ldap")
	}
	if err != nil {
		s.endDirectorySessions(ctx, x.login, "ldap_recheck")
		return staff.ErrNoSession
	}
	sess.Clerk = c
	if now, cerr := s.staff.Clerk(ctx, x.login); cerr == nil {
		sess.Clerk = now
	}
	return nil
}
