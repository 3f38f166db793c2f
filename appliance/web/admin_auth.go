package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/buergerbuero/buergerbuero/appliance/problem"
	"github.com/buergerbuero/buergerbuero/appliance/staff"
)

// The web administration's door: a signed-in admin (role admin, checked
// here on the server for every page and form), and for a form the session's
// CSRF token and a same-origin request, as the other staff forms.

var (
	errAdminOnly   = problem.New(problem.KindForbidden, "admin_only")
	errAdminNoWeb  = problem.New(problem.KindNotFound, "admin_unavailable")
	errAdminForm   = problem.New(problem.KindMalformed, "bad_request")
	adminBodyLimit = int64(8 << 10)
)

// adminSession resolves the admin of an administration page or form; it
// has answered (a redirect to the sign-in, 403 or 404) when it returns nil.
func (s *Server) adminSession(w http.ResponseWriter, r *http.Request) *staff.Session {
	if s.opt.Admin == nil {
		s.renderAdmin(w, r, http.StatusNotFound, adminView{Mode: "forbidden"}, errAdminNoWeb)
		return nil
	}
	_, sess, err := s.staffIdentity(r)
	if err != nil || sess == nil {
		http.Redirect(w, r, "/staff/login", http.StatusSeeOther)
		return nil
	}
	if to := staffGate(sess); to != "" {
		http.Redirect(w, r, to, http.StatusSeeOther)
		return nil
	}
	if sess.Clerk.Role != staff.RoleAdmin {
		s.renderAdmin(w, r, http.StatusForbidden, adminView{Mode: "forbidden"}, errAdminOnly)
		return nil
	}
	if r.Method == http.MethodPost {
		if err := parseAdminForm(r); err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				s.renderAdmin(w, r, http.StatusRequestEntityTooLarge, adminView{Mode: "forbidden"}, errBodySize)
			} else {
				s.renderAdmin(w, r, http.StatusBadRequest, adminView{Mode: "forbidden"}, errAdminForm)
			}
			return nil
		}
		if !sameOrigin(r) || !constantEq(r.PostFormValue("csrf_token"), sess.CSRF) {
			s.renderAdmin(w, r, http.StatusForbidden, adminView{Mode: "forbidden"}, errCSRF)
			return nil
		}
	}
	return sess
}

// parseAdminForm reads a urlencoded or multipart form (the logo).
func parseAdminForm(r *http.Request) error {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		return r.ParseMultipartForm(1 << 20)
	}
	return r.ParseForm()
}

// adminForm guards a form post: a bounded body, then adminSession.
func (s *Server) adminForm(limit int64, h func(http.ResponseWriter, *http.Request, *staff.Session)) http.HandlerFunc {
	return s.staffPage(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		if sess := s.adminSession(w, r); sess != nil {
			h(w, r, sess)
		}
	})
}

// adminPage guards a page.
func (s *Server) adminPage(h func(http.ResponseWriter, *http.Request, *staff.Session)) http.HandlerFunc {
	return s.staffPage(func(w http.ResponseWriter, r *http.Request) {
		if sess := s.adminSession(w, r); sess != nil {
			h(w, r, sess)
		}
	})
}
