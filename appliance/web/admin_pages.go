package web

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/buergerbuero/buergerbuero/appliance/admin"
	"github.com/buergerbuero/buergerbuero/appliance/config"
	"github.com/buergerbuero/buergerbuero/appliance/problem"
	"github.com/buergerbuero/buergerbuero/appliance/staff"
)

// The web administration's pages (package admin owns the rules): the
// offices, one office with its waiting-room texts, and the site settings
// with the branding. Forms post back and redirect on success; a refused
// form is shown again with each problem next to its field and listed at
// the top.

func (s *Server) adminRoutes() {
	s.handle("GET /staff/admin", s.adminPage(s.pageAdmin))
	s.handle("GET /staff/admin/offices/new", s.adminPage(s.pageAdminNewOffice))
	s.handle("POST /staff/admin/offices", s.adminForm(adminBodyLimit, s.formAdminCreateOffice))
	s.handle("GET /staff/admin/offices/{id}", s.adminPage(s.pageAdminOffice))
	s.handle("POST /staff/admin/offices/{id}", s.adminForm(adminBodyLimit, s.formAdminOffice))
	s.handle("POST /staff/admin/offices/{id}/texts", s.adminForm(adminBodyLimit, s.formAdminTexts))
	s.handle("POST /staff/admin/offices/{id}/services", s.adminForm(4*adminBodyLimit, s.formAdminServices))
	s.handle("GET /staff/admin/site", s.adminPage(s.pageAdminSite))
	s.handle("POST /staff/admin/site", s.adminForm(adminBodyLimit, s.formAdminSite))
	// a logo up to 4 MiB is read, so that a too large one is refused as
	// such (admin.MaxLogo) rather than as an unreadable form
	s.handle("POST /staff/admin/logo", s.adminForm(4<<20, s.formAdminLogo))
	s.handle("GET /branding.css", s.brandingCSS)
	s.handle("GET /branding/logo", s.brandingLogo)
}

// adminView is what the "admin" template shows.
type adminView struct {
	Mode   string // index, office, site, forbidden
	CSRF   string
	Saved  bool
	Errors []adminError
	// index
	Offices []adminOfficeRow
	// office
	Office    admin.OfficeInput
	New       bool
	FileOwned bool
	Texts     admin.Texts
	Days      []adminDay
	Services  []adminServiceRow
	Modes     []adminMode
	// site
	Site   map[string]adminSiteField
	States []string
	Logo   bool
}

// adminError is a field's problem: its code (data-code on the page, for
// scripts and tests) and its message.
type adminError struct{ Field, Code, Message string }

type adminOfficeRow struct {
	ID, Name string
	File     bool
}

type adminDay struct{ Day, Label, Value string }

// adminServiceRow is one row of the services form (N is its index in the
// field names, svc_name_0 …).
type adminServiceRow struct {
	N  int
	In admin.ServiceInput
}

type adminMode struct{ Value, Label string }

var adminModes = []adminMode{{"both", "admin.service.mode.both"}, {"booking", "admin.service.mode.booking"}, {"walk_in", "admin.service.mode.walk_in"}}

type adminSiteField struct {
	Value string
	File  bool
}

// Err is the message of a field's problem, "" if none.
func (v adminView) Err(field string) string {
	for _, e := range v.Errors {
		if e.Field == field {
			return e.Message
		}
	}
	return ""
}

var adminDayLabels = []adminDay{{"mon", "admin.day.mon", ""}, {"tue", "admin.day.tue", ""}, {"wed", "admin.day.wed", ""},
	{"thu", "admin.day.thu", ""}, {"fri", "admin.day.fri", ""}, {"sat", "admin.day.sat", ""}, {"sun", "admin.day.sun", ""}}

func (s *Server) renderAdmin(w http.ResponseWriter, r *http.Request, status int, v adminView, err error) {
	p := page{Title: "admin.title", Body: "admin", Data: &v}
	switch v.Mode {
	case "office":
		p.Title = "admin.office.title"
		if v.New {
			p.Title = "admin.office.new"
		}
	case "site":
		p.Title = "admin.site.title"
	}
	if err != nil {
		if bad, ok := admin.AsInvalid(err); ok {
			for _, pr := range bad {
				v.Errors = append(v.Errors, adminError{Field: pr.Field, Code: pr.Code, Message: s.problemMessage(r, pr)})
			}
		} else {
			pr, ok := problemOf(err)
			if !ok {
				s.log.Error("admin", "path", r.URL.Path, "err", err)
				pr = errInternal
			}
			p.Error = s.problemMessage(r, pr)
		}
	}
	s.render(w, r, status, p)
}

// adminStatus is the HTTP status of a refused form: 409 when it touched
// what the configuration file sets, else the problem's.
func adminStatus(err error) int {
	if bad, ok := admin.AsInvalid(err); ok {
		for _, p := range bad {
			if p.Kind == problem.KindConflict {
				return http.StatusConflict
			}
		}
		return http.StatusUnprocessableEntity
	}
	if p, ok := problemOf(err); ok {
		return statusOf(p.Kind)
	}
	return http.StatusInternalServerError
}

func (s *Server) pageAdmin(w http.ResponseWriter, r *http.Request, sess *staff.Session) {
	list, err := s.opt.Admin.Offices(r.Context())
	v := adminView{Mode: "index", CSRF: sess.CSRF}
	for _, o := range list {
		v.Offices = append(v.Offices, adminOfficeRow{ID: o.ID, Name: o.Name, File: s.opt.Admin.FileOffice(o.ID)})
	}
	status := http.StatusOK
	if err != nil {
		status = adminStatus(err)
	}
	s.renderAdmin(w, r, status, v, err)
}

func (s *Server) officeView(sess *staff.Session, in admin.OfficeInput, isNew bool) adminView {
	v := adminView{Mode: "office", CSRF: sess.CSRF, Office: in, New: isNew, FileOwned: !isNew && s.opt.Admin.FileOffice(in.ID)}
	for _, d := range adminDayLabels {
		d.Value = in.Hours[d.Day]
		v.Days = append(v.Days, d)
	}
	if !isNew {
		v.Texts = s.opt.Admin.Texts(in.ID)
		var rows []admin.ServiceInput
		for _, d := range s.opt.Admin.Services(in.ID) {
			rows = append(rows, admin.ServiceInputOf(d))
		}
		v.setServices(rows, !v.FileOwned)
	}
	v.Modes = adminModes
	return v
}

// setServices shows the rows, and one empty row to add a service.
func (v *adminView) setServices(rows []admin.ServiceInput, addRow bool) {
	v.Services = nil
	if addRow {
		rows = append(rows, admin.ServiceInput{Mode: "both"})
	}
	for i, r := range rows {
		v.Services = append(v.Services, adminServiceRow{N: i, In: r})
	}
}

// adminMaxServices bounds the rows of one services form.
const adminMaxServices = 50

func (s *Server) formAdminServices(w http.ResponseWriter, r *http.Request, sess *staff.Session) {
	id := r.PathValue("id")
	var rows []admin.ServiceInput
	for i := 0; i < adminMaxServices; i++ {
		n := strconv.Itoa(i)
		if _, ok := r.PostForm["svc_id_"+n]; !ok {
			break
		}
		rows = append(rows, admin.ServiceInput{ID: r.PostForm.Get("svc_id_" + n), Name: r.PostForm.Get("svc_name_" + n),
			Duration: r.PostForm.Get("svc_duration_" + n), Languages: r.PostForm.Get("svc_languages_" + n),
			WhatToBring: r.PostForm.Get("svc_bring_" + n), Mode: r.PostForm.Get("svc_mode_" + n)})
	}
	if err := s.opt.Admin.SaveServices(r.Context(), sess.Clerk.Login, id, rows); err != nil {
		o, oerr := s.opt.Admin.Office(r.Context(), id)
		if oerr != nil {
			s.renderAdmin(w, r, adminStatus(oerr), adminView{Mode: "forbidden"}, oerr)
			return
		}
		v := s.officeView(sess, admin.InputOf(o), false)
		if !v.FileOwned {
			v.setServices(rows, false)
		}
		s.renderAdmin(w, r, adminStatus(err), v, err)
		return
	}
	http.Redirect(w, r, "/staff/admin/offices/"+url.PathEscape(id)+"?saved=services#services", http.StatusSeeOther)
}

func (s *Server) pageAdminNewOffice(w http.ResponseWriter, r *http.Request, sess *staff.Session) {
	s.renderAdmin(w, r, 200, s.officeView(sess, admin.OfficeInput{Chairs: "1", Languages: "de"}, true), nil)
}

func (s *Server) pageAdminOffice(w http.ResponseWriter, r *http.Request, sess *staff.Session) {
	o, err := s.opt.Admin.Office(r.Context(), r.PathValue("id"))
	if err != nil {
		s.renderAdmin(w, r, adminStatus(err), adminView{Mode: "forbidden"}, err)
		return
	}
	v := s.officeView(sess, admin.InputOf(o), false)
	v.Saved = r.URL.Query().Get("saved") != ""
	s.renderAdmin(w, r, 200, v, nil)
}

func officeInput(r *http.Request) admin.OfficeInput {
	in := admin.OfficeInput{ID: r.FormValue("id"), Name: r.FormValue("name"), Prefix: r.FormValue("prefix"),
		Description: r.FormValue("description"), Languages: r.FormValue("languages"), Chairs: r.FormValue("chairs"),
		Hours: map[string]string{}, Exceptions: r.FormValue("exceptions"),
		IgnoreHolidays: r.FormValue("ignore_holidays") != "", KnocksWithoutClerk: r.FormValue("knocks_without_clerk") != "",
		Confidential: r.FormValue("confidential") != "", RetentionContent: r.FormValue("retention_content"),
		RetentionPersonal: r.FormValue("retention_personal")}
	for _, d := range admin.Weekdays {
		in.Hours[d] = r.FormValue("hours_" + d)
	}
	return in
}

func (s *Server) formAdminCreateOffice(w http.ResponseWriter, r *http.Request, sess *staff.Session) {
	in := officeInput(r)
	o, err := s.opt.Admin.SaveOffice(r.Context(), sess.Clerk.Login, in, true)
	if err != nil {
		s.renderAdmin(w, r, adminStatus(err), s.officeView(sess, in, true), err)
		return
	}
	http.Redirect(w, r, "/staff/admin/offices/"+url.PathEscape(o.ID)+"?saved=office", http.StatusSeeOther)
}

func (s *Server) formAdminOffice(w http.ResponseWriter, r *http.Request, sess *staff.Session) {
	in := officeInput(r)
	in.ID = r.PathValue("id")
	o, err := s.opt.Admin.SaveOffice(r.Context(), sess.Clerk.Login, in, false)
	if err != nil {
		if cur, cerr := s.opt.Admin.Office(r.Context(), in.ID); cerr == nil && s.opt.Admin.FileOffice(in.ID) {
			in = admin.InputOf(cur) // the file's values, not what was sent
		}
		s.renderAdmin(w, r, adminStatus(err), s.officeView(sess, in, false), err)
		return
	}
	http.Redirect(w, r, "/staff/admin/offices/"+url.PathEscape(o.ID)+"?saved=office", http.StatusSeeOther)
}

func (s *Server) formAdminTexts(w http.ResponseWriter, r *http.Request, sess *staff.Session) {
	id := r.PathValue("id")
	t := admin.Texts{Greeting: r.FormValue("greeting"), Documents: r.FormValue("documents"), Notice: r.FormValue("notice")}
	if err := s.opt.Admin.SaveTexts(r.Context(), sess.Clerk.Login, id, t); err != nil {
		o, oerr := s.opt.Admin.Office(r.Context(), id)
		if oerr != nil {
			s.renderAdmin(w, r, adminStatus(oerr), adminView{Mode: "forbidden"}, oerr)
			return
		}
		v := s.officeView(sess, admin.InputOf(o), false)
		v.Texts = t
		s.renderAdmin(w, r, adminStatus(err), v, err)
		return
	}
	http.Redirect(w, r, "/staff/admin/offices/"+url.PathEscape(id)+"?saved=texts#texts", http.StatusSeeOther)
}

// siteFormKeys pairs the site form's fields with their configuration keys
// ("" for the branding, which the file never sets).
var siteFormKeys = [][2]string{{"name", "site.name"}, {"state", "site.state"}, {"frame_ancestors", "http.frame_ancestors"},
	{"retention_content", "reception.retention.content"}, {"retention_personal", "reception.retention.personal"},
	{"primary", ""}, {"background", ""}, {"text", ""}}

func (s *Server) siteView(sess *staff.Session, values map[string]string) adminView {
	v := adminView{Mode: "site", CSRF: sess.CSRF, Site: map[string]adminSiteField{}, States: config.Bundeslaender}
	cur := s.opt.Admin.Site()
	current := map[string]string{"name": cur.Name, "state": cur.State, "frame_ancestors": strings.Join(cur.FrameAncestors, "\n"),
		"retention_content": cur.RetentionContent.String(), "retention_personal": cur.RetentionPersonal.String(),
		"primary": cur.Branding.Primary, "background": cur.Branding.Background, "text": cur.Branding.Text}
	for _, f := range siteFormKeys {
		file := f[1] != "" && s.opt.Admin.FileSet(f[1])
		val, ok := values[f[0]]
		if !ok || file {
			val = current[f[0]]
		}
		v.Site[f[0]] = adminSiteField{Value: val, File: file}
	}
	v.Logo = cur.Branding.LogoType != ""
	return v
}

func (s *Server) pageAdminSite(w http.ResponseWriter, r *http.Request, sess *staff.Session) {
	v := s.siteView(sess, nil)
	v.Saved = r.URL.Query().Get("saved") != ""
	s.renderAdmin(w, r, 200, v, nil)
}

func (s *Server) formAdminSite(w http.ResponseWriter, r *http.Request, sess *staff.Session) {
	values := map[string]string{}
	ptr := func(name string) *string {
		if _, ok := r.PostForm[name]; !ok {
			return nil
		}
		v := r.PostForm.Get(name)
		values[name] = v
		return &v
	}
	in := admin.SiteInput{Name: ptr("name"), State: ptr("state"), FrameAncestors: ptr("frame_ancestors"),
		RetentionContent: ptr("retention_content"), RetentionPersonal: ptr("retention_personal"),
		Primary: ptr("primary"), Background: ptr("background"), Text: ptr("text")}
	if err := s.opt.Admin.SaveSite(r.Context(), sess.Clerk.Login, in); err != nil {
		s.renderAdmin(w, r, adminStatus(err), s.siteView(sess, values), err)
		return
	}
	http.Redirect(w, r, "/staff/admin/site?saved=site", http.StatusSeeOther)
}

func (s *Server) formAdminLogo(w http.ResponseWriter, r *http.Request, sess *staff.Session) {
	var data []byte
	if r.FormValue("remove") == "" {
		f, _, err := r.FormFile("logo")
		if err == nil {
			data, err = io.ReadAll(io.LimitReader(f, admin.MaxLogo+1)) // one byte more: refused as too large
			f.Close()
		}
		if err != nil || data == nil {
			data = []byte{} // no file: refused as not an image
		}
	}
	if err := s.opt.Admin.SetLogo(r.Context(), sess.Clerk.Login, data); err != nil {
		s.renderAdmin(w, r, adminStatus(err), s.siteView(sess, nil), err)
		return
	}
	http.Redirect(w, r, "/staff/admin/site?saved=logo", http.StatusSeeOther)
}
