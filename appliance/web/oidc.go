package web

import (
	"context"
	"errors"
	"net/http"
	"sync"
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

// ssoSessions holds the provider's grant per staff session (by token
// hash). It lives in memory: after a restart a directory clerk's session
// has none and ends at its next request (sign-in again at the provider,
// usually without typing anything).
type ssoSessions struct {
	mu sync.Mutex
	m  map[string]*ssoSession
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

func (x *ssoSessions) get(hash string) *ssoSession {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.m[hash]
}

func (x *ssoSessions) put(hash string, s *ssoSession) {
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

func (x *ssoSessions) take(hash string) *ssoSession {
	x.mu.Lock()
	defer x.mu.Unlock()
	s := x.m[hash]
	delete(x.m, hash)
	return s
}

func (x *ssoSessions) dropLogin(login string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for k, v := range x.m {
		if v.login == login {
			delete(x.m, k)
		}
	}
}

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
	s.sso.put(staff.HashToken(sess.Token), &ssoSession{login: idn.Clerk.Login, subject: idn.Subject, grant: grant, checked: time.Now(), expires: sess.Expires})
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

// ssoCheck asks the provider (or the LDAP directory, ldapRecheck) again when the session's re-check interval
// has passed. A session without a grant whose clerk has no local password
// (a directory clerk after a restart) ends. A refusal ends every session
// of the clerk; an unreachable provider keeps the session until the next
// request.
func (s *Server) ssoCheck(ctx context.Context, sess *staff.Session) error {
	p := s.opt.OIDC
	if p == nil && s.opt.LDAP == nil {
		return nil
	}
	hash := staff.HashToken(sess.Token)
	x := s.sso.get(hash)
	if x == nil {
		if s.staff.Local(ctx, sess.Clerk.Login) {
			return nil
		}
		s.staff.Logout(ctx, sess.Token)
		return staff.ErrNoSession
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.ldap {
		return s.ldapRecheck(ctx, sess, x)
	}
	if p == nil {
		s.staff.Logout(ctx, sess.Token)
		return staff.ErrNoSession
	}
	if time.Since(x.checked) < p.Recheck() {
		return nil
	}
	idn, g, err := p.Check(ctx, x.subject, x.grant)
	if errors.Is(err, oidcauth.ErrUnavailable) {
		s.log.Warn("oidc re-check: provider unreachable; the session goes on")
		return nil
	}
	if err == nil && idn.Clerk.Login != x.login {
		err = oidcauth.ErrVerify
	}
	if err == nil {
		err = s.staff.Provision(ctx, idn.Clerk, "oidc")
	}
	if err != nil {
		s.sso.dropLogin(x.login)
		if eerr := s.staff.EndSessions(ctx, x.login, "oidc_recheck"); eerr != nil {
			s.log.Error("end sessions", "err", eerr)
		}
		return staff.ErrNoSession
	}
	x.grant, x.checked = g, time.Now()
	sess.Clerk = idn.Clerk
	if c, cerr := s.staff.Clerk(ctx, x.login); cerr == nil {
		sess.Clerk = c
	}
	return nil
}

// ssoLogoutURL forgets a session's grant and returns the provider's
// end-session address for it ("" for a local session).
func (s *Server) ssoLogoutURL(token string) string {
	if (s.opt.OIDC == nil && s.opt.LDAP == nil) || token == "" {
		return ""
	}
	x := s.sso.take(staff.HashToken(token))
	if x == nil || x.ldap || s.opt.OIDC == nil {
		return ""
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	return s.opt.OIDC.LogoutURL(x.grant.IDToken)
}
