package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/buergerbuero/buergerbuero/appliance/problem"
	"github.com/buergerbuero/buergerbuero/appliance/reception"
	"github.com/buergerbuero/buergerbuero/appliance/staff"
)

// The clerks pages: /staff/admin/clerks lists clerks and adds a local one
// (its one-time password shown once), /staff/admin/clerks/{id} changes
// one. Plain forms, no script.

// fieldError is a problem said next to its field and in the summary.
type fieldError struct{ Field, Message string }

// formErrors are a form's problems in the reader's language.
type formErrors []fieldError

// Err is the message for a field ("" none).
func (f formErrors) Err(field string) string {
	for _, e := range f {
		if e.Field == field {
			return e.Message
		}
	}
	return ""
}

// pageProblem is a problem's message on a page: in the page's language,
// through the pseudo-locale when that is on.
func (s *Server) pageProblem(r *http.Request, p *problem.Error) string {
	return s.pageLang(r).l.T(p.Key(), p.Args)
}

// formErrorsOf turns an error into messages; one without a field is
// shown in the summary only.
func (s *Server) formErrorsOf(r *http.Request, err error) formErrors {
	var out formErrors
	if fe, ok := errors.AsType[staff.FieldErrors](err); ok {
		for _, p := range fe {
			out = append(out, fieldError{p.Field, s.pageProblem(r, p)})
		}
		return out
	}
	p, ok := problemOf(err)
	if !ok {
		s.log.Error("administration", "path", r.URL.Path, "err", err)
		p = errInternal
	}
	return formErrors{{p.Field, s.pageProblem(r, p)}}
}

// officeChoice is an office in the clerk form.
type officeChoice struct {
	ID, Name string
	Checked  bool
	// Groups: the directory groups that grant it (directory clerks),
	// comma-separated.
	Groups string
}

// clerksView is the data of the "adminusers" template.
type clerksView struct {
	Mode     string // "list", "edit", "denied"
	CSRF     string
	Accounts []staff.AdminAccount
	Account  staff.AdminAccount
	Offices  []officeChoice
	// Form is the clerk being added or changed, as typed.
	Form   staff.Clerk
	Errors formErrors
	// OneTime is a new one-time password, shown once; Created the login
	// of the clerk just added.
	OneTime, Created string
	// Done names the action just applied (edit page).
	Done string
	Self bool
}

// adminPageSession resolves the admin of an administration page: the
// sign-in when there is no session, the gates of a new session, 403 for
// anybody but an admin. nil when the response is written.
func (s *Server) adminPageSession(w http.ResponseWriter, r *http.Request) *staff.Session {
	_, sess := s.pageSessionFor(w, r, isAdmin, errAdminOnly)
	return sess
}

// pageSessionFor is adminPageSession for those allow admits; refused is
// the problem said to the others.
func (s *Server) pageSessionFor(w http.ResponseWriter, r *http.Request, allow func(reception.Actor) bool, refused *problem.Error) (reception.Actor, *staff.Session) {
	a, sess, err := s.staffIdentity(r)
	switch {
	case err != nil || sess == nil:
		http.Redirect(w, r, "/staff/login", http.StatusSeeOther)
	case staffGate(sess) != "":
		http.Redirect(w, r, staffGate(sess), http.StatusSeeOther)
	case !allow(a):
		s.render(w, r, http.StatusForbidden, page{Title: "adminusers.title", Body: "adminusers", Data: clerksView{Mode: "denied"},
			Error: s.pageProblem(r, refused)})
	default:
		return a, sess
	}
	return a, nil
}

// clerksForm is adminPageSession for a form post: same origin and the
// session's CSRF token.
func (s *Server) clerksForm(w http.ResponseWriter, r *http.Request) *staff.Session {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	sess := s.adminPageSession(w, r)
	if sess != nil && (!sameOrigin(r) || !constantEq(r.FormValue("csrf_token"), sess.CSRF)) {
		s.render(w, r, http.StatusForbidden, page{Title: "adminusers.title", Body: "adminusers", Data: clerksView{Mode: "denied"},
			Error: s.pageProblem(r, errCSRF)})
		return nil
	}
	return sess
}

func (s *Server) officeChoices(checked []string, via string, directory bool) []officeChoice {
	var out []officeChoice
	for _, o := range s.rec.Offices() {
		c := officeChoice{ID: o.ID, Name: o.Name}
		for _, x := range checked {
			c.Checked = c.Checked || x == o.ID
		}
		if directory && c.Checked {
			c.Groups = strings.Join(s.directoryGroups(via, o.ID), ", ")
		}
		out = append(out, c)
	}
	return out
}

func clerkFromForm(r *http.Request, login string) staff.Clerk {
	return staff.Clerk{Login: strings.TrimSpace(login), DisplayName: strings.TrimSpace(r.FormValue("display_name")),
		Role: staff.Role(r.FormValue("role")), Offices: r.Form["offices"]}
}

func (s *Server) renderClerks(w http.ResponseWriter, r *http.Request, status int, sess *staff.Session, v clerksView) {
	list, err := s.staff.Accounts(r.Context())
	if err != nil {
		s.log.Error("administration: clerks", "err", err)
		s.render(w, r, 500, page{Title: "adminusers.title", Body: "adminusers", Data: clerksView{Mode: "denied"}, Error: s.pageProblem(r, errInternal)})
		return
	}
	v.Mode, v.CSRF, v.Accounts = "list", sess.CSRF, list
	if v.Form.Role == "" {
		v.Form.Role = staff.RoleClerk
	}
	v.Offices = s.officeChoices(v.Form.Offices, "", false)
	if v.OneTime != "" {
		w.Header().Set("Cache-Control", "no-store")
	}
	s.render(w, r, status, page{Title: "adminusers.title", Body: "adminusers", Data: v})
}

func (s *Server) pageAdminClerks(w http.ResponseWriter, r *http.Request) {
	if sess := s.adminPageSession(w, r); sess != nil {
		s.renderClerks(w, r, 200, sess, clerksView{})
	}
}

func (s *Server) formAdminClerkAdd(w http.ResponseWriter, r *http.Request) {
	sess := s.clerksForm(w, r)
	if sess == nil {
		return
	}
	c := clerkFromForm(r, r.FormValue("login"))
	pw, err := s.createClerk(r.Context(), sess.Clerk.Login, c)
	if err != nil {
		s.renderClerks(w, r, statusOfErr(err), sess, clerksView{Form: c, Errors: s.formErrorsOf(r, err)})
		return
	}
	// the password is in this response only: shown once, never stored
	s.renderClerks(w, r, http.StatusCreated, sess, clerksView{Created: c.Login, OneTime: pw})
}

func statusOfErr(err error) int {
	if p, ok := problemOf(err); ok {
		return statusOf(p.Kind)
	}
	return http.StatusInternalServerError
}

func (s *Server) renderClerk(w http.ResponseWriter, r *http.Request, status int, sess *staff.Session, login string, v clerksView) {
	acc, err := s.staff.Account(r.Context(), login)
	if err != nil {
		s.render(w, r, statusOfErr(err), page{Title: "notfound.title", Body: "notfound"})
		return
	}
	v.Mode, v.CSRF, v.Account, v.Self = "edit", sess.CSRF, acc, acc.Login == sess.Clerk.Login
	if v.Form.Login == "" {
		v.Form = acc.Clerk
	}
	v.Offices = s.officeChoices(v.Form.Offices, acc.Directory, !acc.Local)
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, status, page{Title: "adminusers.edit.title", Body: "adminusers", Data: v}, "Login", acc.Login)
}

func (s *Server) pageAdminClerk(w http.ResponseWriter, r *http.Request) {
	if sess := s.adminPageSession(w, r); sess != nil {
		s.renderClerk(w, r, 200, sess, r.PathValue("id"), clerksView{Done: doneParam(r.URL.Query().Get("done"))})
	}
}

// doneParam accepts only the names of actions (it picks a text).
func doneParam(d string) string {
	for _, a := range append([]string{"updated"}, clerkActions...) {
		if d == a {
			return d
		}
	}
	return ""
}

func (s *Server) formAdminClerk(w http.ResponseWriter, r *http.Request) {
	sess := s.clerksForm(w, r)
	if sess == nil {
		return
	}
	login := r.PathValue("id")
	c := clerkFromForm(r, login)
	if err := s.updateClerk(r.Context(), sess.Clerk.Login, c); err != nil {
		s.renderClerk(w, r, statusOfErr(err), sess, login, clerksView{Form: c, Errors: s.formErrorsOf(r, err)})
		return
	}
	http.Redirect(w, r, "/staff/admin/clerks/"+url.PathEscape(login)+"?done=updated", http.StatusSeeOther)
}

var errConfirmRemove = problem.Invalid("confirm", "confirm_remove", nil)

func (s *Server) formAdminClerkAction(w http.ResponseWriter, r *http.Request) {
	sess := s.clerksForm(w, r)
	if sess == nil {
		return
	}
	login, action := r.PathValue("id"), r.PathValue("action")
	if action == "remove" && r.FormValue("confirm") != "yes" {
		s.renderClerk(w, r, http.StatusUnprocessableEntity, sess, login, clerksView{Errors: s.formErrorsOf(r, errConfirmRemove)})
		return
	}
	pw, err := s.clerkAction(r.Context(), sess.Clerk.Login, login, action)
	switch {
	case err != nil:
		s.renderClerk(w, r, statusOfErr(err), sess, login, clerksView{Errors: s.formErrorsOf(r, err)})
	case action == "remove":
		http.Redirect(w, r, "/staff/admin/clerks", http.StatusSeeOther)
	case pw != "":
		s.renderClerk(w, r, 200, sess, login, clerksView{OneTime: pw, Done: action})
	default:
		http.Redirect(w, r, "/staff/admin/clerks/"+url.PathEscape(login)+"?done="+action, http.StatusSeeOther)
	}
}
