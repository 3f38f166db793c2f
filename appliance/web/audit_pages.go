package web

import (
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/audit"
	"github.com/buergerbuero/buergerbuero/appliance/problem"
	"github.com/buergerbuero/buergerbuero/appliance/staff"
)

// The audit-log viewer for admins (office leads: their offices' entries): /staff/admin/audit (a filtered table,
// newest first, paged), /staff/admin/audit.csv (the filtered entries as
// CSV) and GET /api/v1/staff/admin/audit. The audit log holds no personal
// data of citizens (see package audit).

// auditPageSize is the number of entries a page of the viewer shows.
const auditPageSize = 50

// auditMaxExport bounds one CSV export.
const auditMaxExport = 100_000

var errDateFormat = problem.Invalid("from", "date_format", nil)

// auditQuery is the viewer's filter as typed (dates YYYY-MM-DD).
type auditQuery struct {
	From, To, Actor, Action, Office string
	Page                            int
}

func auditQueryOf(r *http.Request) auditQuery {
	q := r.URL.Query()
	p, _ := strconv.Atoi(q.Get("page"))
	return auditQuery{From: strings.TrimSpace(q.Get("from")), To: strings.TrimSpace(q.Get("to")), Actor: strings.TrimSpace(q.Get("actor")),
		Action: strings.TrimSpace(q.Get("action")), Office: q.Get("office"), Page: max(p, 1)}
}

// values is the query string of the filter (paging and export links).
func (q auditQuery) values(page int) string {
	v := url.Values{}
	for k, x := range map[string]string{"from": q.From, "to": q.To, "actor": q.Actor, "action": q.Action, "office": q.Office} {
		if x != "" {
			v.Set(k, x)
		}
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	return v.Encode()
}

// filter is the store's filter: dates are days in the site's time zone,
// To inclusive.
func (q auditQuery) filter(loc *time.Location) (audit.Filter, staff.FieldErrors) {
	f := audit.Filter{Actor: q.Actor, ActionPrefix: q.Action, Office: q.Office}
	var errs staff.FieldErrors
	if q.From != "" {
		d, err := time.ParseInLocation("2006-01-02", q.From, loc)
		if err != nil {
			errs = append(errs, errDateFormat)
		}
		f.From = d
	}
	if q.To != "" {
		d, err := time.ParseInLocation("2006-01-02", q.To, loc)
		if err != nil {
			errs = append(errs, errDateFormat.With("to", nil))
		}
		f.To = d.AddDate(0, 0, 1)
	}
	return f, errs
}

func auditURL(path, query string) template.URL {
	if query != "" {
		path += "?" + query
	}
	return template.URL(path)
}

// auditRow is an entry as the table shows it.
type auditRow struct {
	audit.Entry
	When, Stamp string
}

type auditView struct {
	Query   auditQuery
	Rows    []auditRow
	Offices []officeChoice
	Errors  formErrors
	// Prev, Next: the neighbouring pages; Export: the CSV of the filter
	// (built by url.Values, so the template need not escape them)
	Prev, Next, Export template.URL
	HasPrev, HasNext   bool
	// Admin: the reader administers clerks (else an office lead, who
	// reads the entries of their offices)
	Admin bool
}

// auditSession resolves who reads the audit log on a page (auditScope).
func (s *Server) auditSession(w http.ResponseWriter, r *http.Request) (scope []string, ok bool) {
	a, sess := s.pageSessionFor(w, r, mayReadAudit, errAuditOnly)
	if sess == nil {
		return nil, false
	}
	scope, _ = auditScope(a)
	return scope, true
}

func (s *Server) pageAudit(w http.ResponseWriter, r *http.Request) {
	scope, ok := s.auditSession(w, r)
	if !ok {
		return
	}
	q := auditQueryOf(r)
	v := auditView{Query: q, Export: auditURL("/staff/admin/audit.csv", q.values(0)), Admin: scope == nil}
	for _, o := range s.officeChoices([]string{q.Office}, "", false) {
		if scope == nil || slices.Contains(scope, o.ID) {
			v.Offices = append(v.Offices, o)
		}
	}
	f, errs := q.filter(s.location())
	f.Offices = scope
	status := 200
	if len(errs) > 0 {
		v.Errors, status = s.formErrorsOf(r, errs), http.StatusUnprocessableEntity
	} else if s.opt.Audit != nil {
		f.Offset, f.Limit = (q.Page-1)*auditPageSize, auditPageSize+1
		list, err := s.opt.Audit.Entries(r.Context(), f)
		if err != nil {
			v.Errors, status = s.formErrorsOf(r, err), 500
		}
		if len(list) > auditPageSize {
			list, v.HasNext, v.Next = list[:auditPageSize], true, auditURL("/staff/admin/audit", q.values(q.Page+1))
		}
		if q.Page > 1 {
			v.HasPrev, v.Prev = true, auditURL("/staff/admin/audit", q.values(q.Page-1))
		}
		for _, e := range list {
			// an audit log wants the year and the second: ISO 8601 in
			// the site's time zone, the same in German and English
			at := e.At.In(s.location())
			v.Rows = append(v.Rows, auditRow{Entry: e, When: at.Format("2006-01-02 15:04:05"), Stamp: at.Format(time.RFC3339)})
		}
	}
	s.render(w, r, status, page{Title: "audit.title", Body: "audit", Data: v})
}

// formAudit takes the filter form (a post, as every form) to the page
// of its filter.
func (s *Server) formAudit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	if _, ok := s.auditSession(w, r); !ok {
		return
	}
	q := auditQuery{From: strings.TrimSpace(r.FormValue("from")), To: strings.TrimSpace(r.FormValue("to")), Actor: strings.TrimSpace(r.FormValue("actor")),
		Action: strings.TrimSpace(r.FormValue("action")), Office: r.FormValue("office")}
	http.Redirect(w, r, string(auditURL("/staff/admin/audit", q.values(0))), http.StatusSeeOther)
}

// auditFilterOf is the filter of an export or API request within scope
// (auditScope); a problem for a bad date.
func (s *Server) auditFilterOf(r *http.Request, scope []string) (audit.Filter, error) {
	f, errs := auditQueryOf(r).filter(s.location())
	f.Offices = scope
	if len(errs) > 0 {
		return f, errs
	}
	if s.opt.Audit == nil {
		return f, errNotFound
	}
	return f, nil
}

func (s *Server) pageAuditCSV(w http.ResponseWriter, r *http.Request) {
	scope, ok := s.auditSession(w, r)
	if !ok {
		return
	}
	f, err := s.auditFilterOf(r, scope)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	f.Limit = auditMaxExport
	list, err := s.opt.Audit.Entries(r.Context(), f)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="audit-`+time.Now().In(s.location()).Format("2006-01-02")+`.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	if err := audit.WriteCSV(w, list, s.location()); err != nil {
		s.log.Warn("audit export", "err", err)
	}
}

// apiAudit lists audit entries: the viewer's filters, offset and limit
// (default 50, at most 1000); an office lead gets the entries of their
// offices.
func (s *Server) apiAudit(w http.ResponseWriter, r *http.Request) {
	scope, ok := auditScope(actorOf(r))
	if !ok {
		s.writeProblem(w, r, errAuditOnly)
		return
	}
	f, err := s.auditFilterOf(r, scope)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	q := r.URL.Query()
	f.Offset, _ = strconv.Atoi(q.Get("offset"))
	f.Limit, _ = strconv.Atoi(q.Get("limit"))
	f.Offset, f.Limit = max(f.Offset, 0), min(max(f.Limit, 0), 1000)
	if f.Limit == 0 {
		f.Limit = auditPageSize
	}
	list, err := s.opt.Audit.Entries(r.Context(), f)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	if list == nil {
		list = []audit.Entry{}
	}
	writeJSON(w, 200, map[string]any{"entries": list})
}
