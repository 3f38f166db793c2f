package web

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/oidcauth"
	"github.com/buergerbuero/buergerbuero/appliance/staff"
)

// Staff sign-in through the county's OpenID provider (Options.OIDC): the
// log-in page's button starts the flow (its id in a short-lived __Host-
// cookie, state, nonce and PKCE verifier kept by oidcauth), the callback
// opens an ordinary staff session (same cookie, CSRF token, idle and
// absolute deadline), and every request of such a session asks the
// provider again after the re-check interval. Logout ends the provider's
// session too (RP-initiated logout).

const oidcFlowCookie = "__Host-bb_oidc"

// formOIDCStart sends the browser to the provider.
func (s *Server) formOIDCStart(w http.ResponseWriter, r *http.Request) {
	if s.opt.OIDC == nil {
		http.NotFound(w, r)
		return
	}
	if !sameOrigin(r) {
		s.renderSignin(w, r, http.StatusForbidden, signinView{Mode: "login"}, errCSRF)
		return
	}
	id, u, err := s.opt.OIDC.Begin(r.Context())
	if err != nil {
		s.oidcRefused(w, r, err)
		return
	}
	// Lax: the provider's redirect back is a cross-site top-level navigation
	http.SetCookie(w, &http.Cookie{Name: oidcFlowCookie, Value: id, Path: "/", Secure: true, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, MaxAge: int(oidcauth.FlowLifetime / time.Second)})
	http.Redirect(w, r, u, http.StatusSeeOther)
}

// pageOIDCCallback completes the sign-in: one-time flow, verified ID
// token, mapped groups, the clerk provisioned, a staff session opened.
func (s *Server) pageOIDCCallback(w http.ResponseWriter, r *http.Request) {
	if s.opt.OIDC == nil {
		http.NotFound(w, r)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: oidcFlowCookie, Value: "", Path: "/", Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: -1})
	flowID := ""
	if c, err := r.Cookie(oidcFlowCookie); err == nil {
		flowID = c.Value
	}
	q := r.URL.Query()
	var err error
	var idn oidcauth.Identity
	var grant oidcauth.Grant
	if q.Get("error") != "" {
		err = oidcauth.ErrVerify
	} else {
		idn, grant, err = s.opt.OIDC.Finish(r.Context(), flowID, q.Get("state"), q.Get("code"))
	}
	if err == nil {
		err = s.staff.Provision(r.Context(), idn.Clerk, "oidc")
		if errors.Is(err, staff.ErrLocalAccount) {
			err = oidcauth.ErrLocalAccount
		}
	}
	var sess staff.Session
	if err == nil {
		sess, err = s.staff.OpenSession(r.Context(), idn.Clerk.Login)
	}
	if err != nil {
		s.oidcRefused(w, r, err)
		return
	}
	if err := s.sso.put(r.Context(), sess.Token, &ssoSession{login: idn.Clerk.Login, subject: idn.Subject, grant: grant, checked: time.Now(), expires: sess.Expires}); err != nil {
		s.staff.Logout(r.Context(), sess.Token)
		s.oidcRefused(w, r, err)
		return
	}
	s.staff.Audit(r.Context(), idn.Clerk.Login, "signed_in_oidc", "")
	s.setSession(w, sess)
	// The session cookie is SameSite=Strict and this response ends a
	// cross-site redirect chain: the browser would not send it on a
	// redirect, so the page moves on by itself (same-site navigation).
	w.Header().Set("Refresh", "0; url=/staff")
	s.renderSignin(w, r, http.StatusOK, signinView{Mode: "continue"}, nil)
}

func (s *Server) oidcRefused(w http.ResponseWriter, r *http.Request, err error) {
	code := "internal"
	if p, ok := problemOf(err); ok {
		code = p.Code
	} else {
		s.log.Error("oidc sign-in", "err", err)
	}
	s.staff.Audit(r.Context(), "", "oidc_refused", code)
	mode := "login"
	if errors.Is(err, oidcauth.ErrNoAccess) {
		mode = "noaccess"
	}
	s.renderSignin(w, r, http.StatusForbidden, signinView{Mode: mode}, err)
}

// ssoCheck asks the provider (or the LDAP directory, ldapRecheck) again
// when the session's re-check interval has passed, on whichever node the
// request reached (sso.go: the grant comes from the database). A session
// without a grant whose clerk has no local password ends. A refusal ends
// every session of the clerk; an unreachable provider keeps the session
// until the next request.
func (s *Server) ssoCheck(ctx context.Context, sess *staff.Session) error {
	p, d := s.opt.OIDC, s.opt.LDAP
	if p == nil && d == nil {
		return nil
	}
	x, err := s.sso.get(ctx, sess.Token)
	if err != nil {
		s.log.Error("directory grant", "err", err)
		return err
	}
	if x == nil {
		if s.staff.Local(ctx, sess.Clerk.Login) {
			return nil
		}
		s.staff.Logout(ctx, sess.Token)
		return staff.ErrNoSession
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	var interval time.Duration
	switch {
	case x.ldap && d != nil:
		interval = d.Recheck()
	case !x.ldap && p != nil:
		interval = p.Recheck()
	default: // signed in at a directory no longer configured
		s.staff.Logout(ctx, sess.Token)
		return staff.ErrNoSession
	}
	if time.Since(x.checked) < interval {
		return nil
	}
	prev := x.checked
	won, err := s.sso.claim(ctx, sess.Token, x, interval)
	if errors.Is(err, errGrantGone) {
		s.staff.Logout(ctx, sess.Token)
		return staff.ErrNoSession
	}
	if err != nil || !won {
		return err // another node re-checks it, or has just done so
	}
	if x.ldap {
		return s.ldapRecheck(ctx, sess, x, prev)
	}
	idn, g, err := p.Check(ctx, x.subject, x.grant)
	if errors.Is(err, oidcauth.ErrUnavailable) {
		s.log.Warn("oidc re-check: provider unreachable; the session goes on")
		s.sso.unclaim(ctx, sess.Token, x, prev)
		return nil
	}
	if err == nil && idn.Clerk.Login != x.login {
		err = oidcauth.ErrVerify
	}
	if err == nil {
		err = s.staff.Provision(ctx, idn.Clerk, "oidc")
	}
	if err != nil {
		s.endDirectorySessions(ctx, x.login, "oidc_recheck")
		return staff.ErrNoSession
	}
	if err := s.sso.refreshed(ctx, sess.Token, x, g); err != nil {
		s.log.Error("store refreshed directory grant", "err", err)
	}
	sess.Clerk = idn.Clerk
	if c, cerr := s.staff.Clerk(ctx, x.login); cerr == nil {
		sess.Clerk = c
	}
	return nil
}

// endDirectorySessions ends every session of a clerk the directory
// refused, with their grants, on every node.
func (s *Server) endDirectorySessions(ctx context.Context, login, reason string) {
	if err := s.sso.dropLogin(ctx, login); err != nil {
		s.log.Error("drop directory grants", "err", err)
	}
	if err := s.staff.EndSessions(ctx, login, reason); err != nil {
		s.log.Error("end sessions", "err", err)
	}
}

// ssoLogoutURL forgets a session's grant and returns the provider's
// end-session address for it ("" for a local session).
func (s *Server) ssoLogoutURL(ctx context.Context, token string) string {
	if (s.opt.OIDC == nil && s.opt.LDAP == nil) || token == "" {
		return ""
	}
	x := s.sso.take(ctx, token)
	if x == nil || x.ldap || s.opt.OIDC == nil {
		return ""
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	return s.opt.OIDC.LogoutURL(x.grant.IDToken)
}
