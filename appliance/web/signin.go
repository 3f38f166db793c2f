package web

import (
	"errors"
	"net"
	"net/http"
	"strconv"

	"github.com/buergerbuero/buergerbuero/appliance/problem"
	"github.com/buergerbuero/buergerbuero/appliance/staff"
)

// The staff sign-in pages: log-in, the new-password form a one-time
// password leads to, log-out and the console's door. Every page of the
// staff area refuses clients outside the configured staff networks.

var (
	errStaffNetwork   = problem.New(problem.KindForbidden, "staff_network")
	errPasswordRepeat = &problem.Error{Kind: problem.KindInvalid, Code: "password_mismatch", Field: "repeat_password"}
)

// inStaffNetwork reports whether the client (as resolved through trusted
// proxies) may reach the staff area. This applies to service tokens too:
// the Matrix bridge runs inside the county network, and a leaked token is
// then of no use outside it.
func (s *Server) inStaffNetwork(r *http.Request) bool {
	if len(s.opt.StaffNetworks) == 0 {
		return true
	}
	ip := net.ParseIP(s.clientIP(r))
	for _, n := range s.opt.StaffNetworks {
		if ip != nil && n.Contains(ip) {
			return true
		}
	}
	return false
}

// writeStaffProblem writes a staff API error; a throttled log-in also gets
// Retry-After.
func (s *Server) writeStaffProblem(w http.ResponseWriter, r *http.Request, err error) {
	setRetryAfter(w, err)
	s.writeProblem(w, r, err)
}

func setRetryAfter(w http.ResponseWriter, err error) {
	if te, ok := errors.AsType[*staff.ThrottledError](err); ok {
		w.Header().Set("Retry-After", strconv.Itoa(te.Seconds()))
	}
}

// signinView selects the form of the "login" template.
type signinView struct {
	Mode    string // "login", "password" (set a new one), "network" (refused)
	CSRF    string
	Min     int
	OneTime bool // the current password is a one-time password
	// OIDC offers sign-in through the OpenID provider; OIDCLabel is the
	// configured button text ("" for the catalogue's).
	OIDC      bool
	OIDCLabel string
	// Pending binds the TOTP code form ("totp") to the password step.
	Pending string
	// Secret is the key of a TOTP enrolment ("enrol"); Forced: the role
	// requires it before anything else.
	Secret string
	Forced bool
}

func (s *Server) renderSignin(w http.ResponseWriter, r *http.Request, status int, v signinView, err error) {
	if s.opt.OIDC != nil && v.Mode == "login" {
		v.OIDC, v.OIDCLabel = true, s.opt.OIDC.ButtonLabel(s.pageLang(r).Base())
	}
	p := page{Title: "staff.login", Body: "login", Data: v}
	switch v.Mode {
	case "password":
		p.Title = "staff.newpw"
	case "noaccess":
		p.Title = "oidc.noaccess"
	case "totp":
		p.Title = "totp.title"
	case "enrol", "enrolled":
		p.Title = "totp.enrol.title"
	}
	if err != nil {
		pr, ok := problemOf(err)
		if ok {
			status = statusOf(pr.Kind)
		} else {
			pr = errInternal
		}
		p.Error = s.problemMessage(r, pr)
		setRetryAfter(w, err)
	}
	s.render(w, r, status, p)
}

// staffPage refuses a staff page outside the staff networks.
func (s *Server) staffPage(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.inStaffNetwork(r) {
			s.renderSignin(w, r, http.StatusForbidden, signinView{Mode: "network"}, errStaffNetwork)
			return
		}
		h(w, r)
	}
}

func (s *Server) pageLogin(w http.ResponseWriter, r *http.Request) {
	s.renderSignin(w, r, 200, signinView{Mode: "login"}, nil)
}

func (s *Server) formLogin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	if !sameOrigin(r) {
		s.renderSignin(w, r, http.StatusForbidden, signinView{Mode: "login"}, errCSRF)
		return
	}
	sess, err := s.signIn(r.Context(), r.FormValue("login"), r.FormValue("password"), s.clientIP(r))
	if sf, ok := errors.AsType[*staff.SecondFactorError](err); ok {
		s.renderSignin(w, r, 200, signinView{Mode: "totp", Pending: sf.Pending}, nil)
		return
	}
	if err != nil {
		s.renderSignin(w, r, http.StatusUnauthorized, signinView{Mode: "login"}, err)
		return
	}
	s.afterSignIn(w, r, sess)
}

func (s *Server) formLogout(w http.ResponseWriter, r *http.Request) {
	to := "/staff/login"
	if c, err := r.Cookie(sessionCookie); err == nil && sameOrigin(r) {
		if u := s.ssoLogoutURL(r.Context(), c.Value); u != "" {
			to = u // RP-initiated logout: the provider's session ends too
		}
		s.staff.Logout(r.Context(), c.Value)
	}
	clearSession(w)
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func (s *Server) pageConsole(w http.ResponseWriter, r *http.Request) {
	_, sess, err := s.staffIdentity(r)
	if err != nil || sess == nil {
		http.Redirect(w, r, "/staff/login", http.StatusSeeOther)
		return
	}
	if to := staffGate(sess); to != "" {
		http.Redirect(w, r, to, http.StatusSeeOther)
		return
	}
	s.render(w, r, 200, page{Title: "staff.console", Body: "console", Script: "console.js"})
}

// pagePassword is the form to set a new password: the only page a session
// opened with a one-time password reaches, and open to every clerk.
func (s *Server) pagePassword(w http.ResponseWriter, r *http.Request) {
	_, sess, err := s.staffIdentity(r)
	if err != nil || sess == nil {
		http.Redirect(w, r, "/staff/login", http.StatusSeeOther)
		return
	}
	s.renderSignin(w, r, 200, signinView{Mode: "password", CSRF: sess.CSRF, Min: staff.MinNewPassword, OneTime: sess.MustChange}, nil)
}

func (s *Server) formPassword(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	_, sess, err := s.staffIdentity(r)
	if err != nil || sess == nil {
		http.Redirect(w, r, "/staff/login", http.StatusSeeOther)
		return
	}
	v := signinView{Mode: "password", CSRF: sess.CSRF, Min: staff.MinNewPassword, OneTime: sess.MustChange}
	if !sameOrigin(r) || !constantEq(r.FormValue("csrf_token"), sess.CSRF) {
		s.renderSignin(w, r, http.StatusForbidden, v, errCSRF)
		return
	}
	if r.FormValue("new_password") != r.FormValue("repeat_password") {
		s.renderSignin(w, r, http.StatusUnprocessableEntity, v, errPasswordRepeat)
		return
	}
	if err := s.staff.ChangePassword(r.Context(), *sess, s.clientIP(r), r.FormValue("current_password"), r.FormValue("new_password")); err != nil {
		s.renderSignin(w, r, http.StatusUnprocessableEntity, v, err)
		return
	}
	http.Redirect(w, r, "/staff", http.StatusSeeOther)
}

type passwordBody struct {
	Current string `json:"current_password"`
	New     string `json:"new_password"`
}

// apiPassword sets the caller's new password (the one staff API call a
// session with a one-time password may make, besides logout).
func (s *Server) apiPassword(w http.ResponseWriter, r *http.Request) {
	var b passwordBody
	if err := readJSON(r, &b); err != nil {
		s.writeProblem(w, r, err)
		return
	}
	sess := sessionOf(r)
	if sess == nil {
		s.writeProblem(w, r, errPasswordSession)
		return
	}
	if err := s.staff.ChangePassword(r.Context(), *sess, s.clientIP(r), b.Current, b.New); err != nil {
		s.writeStaffProblem(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

var errPasswordSession = problem.New(problem.KindForbidden, "session_required")

// staffNetworkAPI refuses a staff API call without credentials (the
// log-in) outside the staff networks.
func (s *Server) staffNetworkAPI(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.inStaffNetwork(r) {
			s.writeProblem(w, r, errStaffNetwork)
			return
		}
		h(w, r)
	}
}
