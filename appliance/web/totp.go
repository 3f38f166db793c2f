package web

import (
	"errors"
	"net/http"

	"github.com/buergerbuero/buergerbuero/appliance/staff"
)

// The TOTP second factor of local accounts (staff/totp.go owns the rules):
// the code form after the password (POST /staff/login/totp, bound to the
// password step by a short-lived server-side state) and the enrolment in
// the staff area (/staff/totp, its QR code rendered here as a PNG from our
// own origin, so the CSP stays strict).

// staffGate is where a session that may not yet work must go first: a
// one-time password before everything, then a required TOTP enrolment.
func staffGate(sess *staff.Session) string {
	switch {
	case sess.MustChange:
		return "/staff/password"
	case sess.MustEnrol:
		return "/staff/totp"
	}
	return ""
}

// afterSignIn sends a freshly signed-in browser on.
func (s *Server) afterSignIn(w http.ResponseWriter, r *http.Request, sess staff.Session) {
	s.setSession(w, sess)
	to := staffGate(&sess)
	if to == "" {
		to = "/staff"
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func (s *Server) formLoginTOTP(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	pending := r.FormValue("pending")
	v := signinView{Mode: "totp", Pending: pending}
	if !sameOrigin(r) {
		s.renderSignin(w, r, http.StatusForbidden, v, errCSRF)
		return
	}
	sess, err := s.staff.VerifyTOTP(r.Context(), pending, r.FormValue("code"), s.clientIP(r))
	if errors.Is(err, staff.ErrTOTPExpired) {
		s.renderSignin(w, r, http.StatusUnauthorized, signinView{Mode: "login"}, err)
		return
	}
	if err != nil {
		s.renderSignin(w, r, http.StatusUnauthorized, v, err)
		return
	}
	s.afterSignIn(w, r, sess)
}

// totpSession resolves the session of the enrolment pages; a one-time
// password is replaced first, directory accounts have no enrolment here.
func (s *Server) totpSession(w http.ResponseWriter, r *http.Request) *staff.Session {
	_, sess, err := s.staffIdentity(r)
	switch {
	case err != nil || sess == nil:
		http.Redirect(w, r, "/staff/login", http.StatusSeeOther)
	case sess.MustChange:
		http.Redirect(w, r, "/staff/password", http.StatusSeeOther)
	case !s.staff.Local(r.Context(), sess.Clerk.Login):
		http.Redirect(w, r, "/staff", http.StatusSeeOther)
	default:
		return sess
	}
	return nil
}

func (s *Server) pageTOTP(w http.ResponseWriter, r *http.Request) {
	sess := s.totpSession(w, r)
	if sess == nil {
		return
	}
	s.renderTOTP(w, r, 200, sess, nil)
}

func (s *Server) renderTOTP(w http.ResponseWriter, r *http.Request, status int, sess *staff.Session, err error) {
	if s.staff.HasTOTP(r.Context(), sess.Clerk.Login) {
		s.renderSignin(w, r, status, signinView{Mode: "enrolled"}, err)
		return
	}
	e, serr := s.staff.StartTOTP(r.Context(), sess.Clerk.Login, s.opt.TOTPIssuer)
	if serr != nil {
		s.renderSignin(w, r, http.StatusForbidden, signinView{Mode: "enrolled"}, serr)
		return
	}
	s.renderSignin(w, r, status, signinView{Mode: "enrol", CSRF: sess.CSRF, Secret: e.Secret, Forced: sess.MustEnrol}, err)
}

// pageTOTPQR is the pending enrolment's QR code.
func (s *Server) pageTOTPQR(w http.ResponseWriter, r *http.Request) {
	_, sess, err := s.staffIdentity(r)
	if err != nil || sess == nil {
		http.Error(w, "", http.StatusUnauthorized)
		return
	}
	png, err := s.staff.TOTPQRCode(r.Context(), sess.Clerk.Login)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(png)
}

func (s *Server) formTOTP(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	sess := s.totpSession(w, r)
	if sess == nil {
		return
	}
	if !sameOrigin(r) || !constantEq(r.FormValue("csrf_token"), sess.CSRF) {
		s.renderTOTP(w, r, http.StatusForbidden, sess, errCSRF)
		return
	}
	if err := s.staff.ConfirmTOTP(r.Context(), sess.Clerk.Login, r.FormValue("code"), s.clientIP(r)); err != nil {
		s.renderTOTP(w, r, http.StatusUnprocessableEntity, sess, err)
		return
	}
	http.Redirect(w, r, "/staff", http.StatusSeeOther)
}
