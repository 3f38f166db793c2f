package web

import (
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/staff"
	"github.com/buergerbuero/buergerbuero/appliance/stats"
)

// The statistics page for office leads (their offices) and admins (every
// office): /staff/stats with a date range and office filter, charts as
// server-side SVG each beside its data table, exports as CSV and ODS.
// The rules (what counts, k-anonymity) live in package stats.

// statsMaxDays bounds a report's range.
const statsMaxDays = 366

// statsColumnKeys names the office table's columns in the catalogue.
var statsColumnKeys = map[stats.Column]string{
	stats.ColOffice: "stats.col.office", stats.ColKnocks: "stats.col.knocks", stats.ColAdmitted: "stats.col.admitted",
	stats.ColDeclined: "stats.col.declined", stats.ColAbandoned: "stats.col.abandoned", stats.ColForwarded: "stats.col.forwarded",
	stats.ColWaitP50: "stats.col.wait_p50", stats.ColWaitP90: "stats.col.wait_p90", stats.ColConsultations: "stats.col.consultations",
	stats.ColHandlingP50: "stats.col.handling_p50", stats.ColHandlingP90: "stats.col.handling_p90",
	stats.ColInterpreterShare: "stats.col.interpreter_share", stats.ColBooked: "stats.col.booked", stats.ColKept: "stats.col.kept",
	stats.ColNoShows: "stats.col.no_shows",
}

// statsRequest is a checked filter: the offices the reader may see and
// chose, and the range.
type statsRequest struct {
	Allowed  []officeOption
	Office   string // "" = every allowed office
	From, To time.Time
	Invalid  bool // the range given was not usable; the default is shown
}

type officeOption struct{ ID, Name string }

// statsAccess answers the offices a signed-in reader may see statistics
// of: an admin every office, a lead their own; a clerk none (forbidden).
func (s *Server) statsAccess(w http.ResponseWriter, r *http.Request) ([]officeOption, bool) {
	a, sess, err := s.staffIdentity(r)
	if err != nil || sess == nil {
		http.Redirect(w, r, "/staff/login", http.StatusSeeOther)
		return nil, false
	}
	if to := staffGate(sess); to != "" {
		http.Redirect(w, r, to, http.StatusSeeOther)
		return nil, false
	}
	if s.opt.Stats == nil || (a.Clerk.Role != staff.RoleAdmin && a.Clerk.Role != staff.RoleLead) {
		s.render(w, r, http.StatusForbidden, page{Title: "stats.title", Body: "statsforbidden"})
		return nil, false
	}
	var out []officeOption
	for _, o := range s.rec.Offices() {
		if a.Clerk.MemberOf(o.ID) {
			out = append(out, officeOption{o.ID, o.Name})
		}
	}
	return out, true
}

// statsFilter reads from, to (YYYY-MM-DD) and office; the default range
// is the last seven days through today.
func (s *Server) statsFilter(q url.Values, allowed []officeOption) statsRequest {
	loc := s.location()
	now := time.Now().In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	req := statsRequest{Allowed: allowed, From: today.AddDate(0, 0, -6), To: today}
	from, errF := time.ParseInLocation("2006-01-02", q.Get("from"), loc)
	to, errT := time.ParseInLocation("2006-01-02", q.Get("to"), loc)
	switch {
	case q.Get("from") == "" && q.Get("to") == "":
	case errF != nil || errT != nil || to.Before(from) || to.Sub(from) > statsMaxDays*24*time.Hour:
		req.Invalid = true
	default:
		req.From, req.To = from, to
	}
	for _, o := range allowed {
		if o.ID == q.Get("office") {
			req.Office = o.ID
		}
	}
	return req
}

func (req statsRequest) offices() []string {
	if req.Office != "" {
		return []string{req.Office}
	}
	var ids []string
	for _, o := range req.Allowed {
		ids = append(ids, o.ID)
	}
	return ids
}

func (req statsRequest) query() url.Values {
	v := url.Values{"from": {req.From.Format("2006-01-02")}, "to": {req.To.Format("2006-01-02")}}
	if req.Office != "" {
		v.Set("office", req.Office)
	}
	return v
}

func (s *Server) statsReport(w http.ResponseWriter, r *http.Request) (statsRequest, stats.Report, bool) {
	allowed, ok := s.statsAccess(w, r)
	if !ok {
		return statsRequest{}, stats.Report{}, false
	}
	req := s.statsFilter(r.URL.Query(), allowed)
	rep, err := stats.Build(r.Context(), s.opt.Stats, stats.Query{From: req.From, To: req.To, Offices: req.offices(), Loc: s.location(),
		ServiceName: s.serviceName})
	if err != nil {
		s.log.Error("statistics", "err", err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return req, rep, false
	}
	return req, rep, true
}

// pageStats renders the statistics page.
func (s *Server) pageStats(w http.ResponseWriter, r *http.Request) {
	req, rep, ok := s.statsReport(w, r)
	if !ok {
		return
	}
	l := s.pageLang(r)
	s.render(w, r, 200, page{Title: "stats.title", Body: "stats", Data: s.statsView(l, req, rep)})
}

// formStats turns the posted filter into the page's address, so the
// filtered page can be bookmarked and its export links carry the filter.
func (s *Server) formStats(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if !sameOrigin(r) {
		http.Error(w, http.StatusText(http.StatusForbidden), http.StatusForbidden)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, http.StatusText(http.StatusBadRequest), http.StatusBadRequest)
		return
	}
	v := url.Values{}
	for _, k := range []string{"from", "to", "office"} {
		if x := r.PostForm.Get(k); x != "" {
			v.Set(k, x)
		}
	}
	http.Redirect(w, r, "/staff/stats?"+v.Encode(), http.StatusSeeOther)
}

// statsExport serves the office table as CSV or ODS.
func (s *Server) statsExport(ods bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		req, rep, ok := s.statsReport(w, r)
		if !ok {
			return
		}
		l := s.pageLang(r)
		header := make([]string, len(stats.Columns))
		for i, c := range stats.Columns {
			header[i] = l.T(statsColumnKeys[c])
		}
		names := map[string]string{"": l.T("stats.total")}
		for _, o := range req.Allowed {
			names[o.ID] = o.Name
		}
		name := fmt.Sprintf("statistik-%s-%s", rep.From, rep.To)
		w.Header().Set("Cache-Control", "no-store")
		var err error
		if ods {
			w.Header().Set("Content-Type", "application/vnd.oasis.opendocument.spreadsheet")
			w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.ods"`)
			err = stats.WriteODS(w, rep, l.T("stats.title"), header, names)
		} else {
			w.Header().Set("Content-Type", "text/csv; charset=utf-8")
			w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
			err = stats.WriteCSV(w, rep, header, names)
		}
		if err != nil {
			s.log.Warn("statistics export", "err", err)
		}
	}
}

// serviceName names a bookable service of an office (bookings carry the
// id, tickets the name); an unknown one keeps its id.
func (s *Server) serviceName(office, id string) string {
	if s.opt.Booking == nil {
		return id
	}
	list, err := s.opt.Booking.Services(office)
	if err != nil {
		return id
	}
	for _, svc := range list {
		if svc.ID == id {
			return svc.Name
		}
	}
	return id
}
