package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/notify"
	"github.com/buergerbuero/buergerbuero/appliance/problem"
	"github.com/buergerbuero/buergerbuero/appliance/reception"
	"github.com/buergerbuero/buergerbuero/appliance/staff"
)

// CalendarFeeds keeps the staff calendar feeds by their token's hash
// (appliance/store).
type CalendarFeeds interface {
	CreateCalendarFeed(ctx context.Context, hash string, scope notify.FeedScope, by string, now time.Time) (int64, error)
	CalendarFeed(ctx context.Context, hash string) (notify.FeedScope, bool, error)
	CalendarFeedByID(ctx context.Context, id int64) (notify.FeedScope, bool, error)
	RevokeCalendarFeed(ctx context.Context, id int64, now time.Time) error
}

// The window a feed lists, around now.
const (
	feedPast   = 14 * 24 * time.Hour
	feedFuture = 120 * 24 * time.Hour
)

// mayFeed: a clerk may have a feed of their own appointments and of their
// offices'; an admin (and a service client) of anyone's.
func mayFeed(a reception.Actor, scope notify.FeedScope) bool {
	if a.Clerk.Role == staff.RoleAdmin {
		return true
	}
	if scope.Clerk != "" {
		return scope.Clerk == a.Clerk.Login
	}
	return a.Clerk.MemberOf(scope.Office)
}

// apiCreateFeed answers POST /api/v1/staff/calendar-feeds: a new feed URL,
// shown this once (only its hash is kept).
func (s *Server) apiCreateFeed(w http.ResponseWriter, r *http.Request) {
	var scope notify.FeedScope
	if err := readJSON(r, &scope); err != nil {
		s.writeProblem(w, r, err)
		return
	}
	if (scope.Office == "") == (scope.Clerk == "") {
		s.writeProblem(w, r, problem.Invalid("office_id", "forward_target", nil))
		return
	}
	if scope.Office != "" && s.rec != nil {
		if _, ok := s.rec.Office(scope.Office); !ok {
			s.writeProblem(w, r, problem.Invalid("office_id", "no_such_office", nil))
			return
		}
	}
	a := actorOf(r)
	if !mayFeed(a, scope) {
		s.writeProblem(w, r, problem.Forbidden)
		return
	}
	if s.opt.CalendarFeeds == nil {
		s.writeProblem(w, r, errNotFound)
		return
	}
	token, hash := notify.NewFeedToken()
	id, err := s.opt.CalendarFeeds.CreateCalendarFeed(r.Context(), hash, scope, a.Clerk.Login+a.Via, time.Now())
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"id": id, "url": s.opt.PublicURL + "/calendar/" + token + ".ics", "scope": scope})
}

// apiRevokeFeed answers DELETE /api/v1/staff/calendar-feeds/{id}.
func (s *Server) apiRevokeFeed(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || s.opt.CalendarFeeds == nil {
		s.writeProblem(w, r, errNotFound)
		return
	}
	scope, ok, err := s.opt.CalendarFeeds.CalendarFeedByID(r.Context(), id)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	if !ok || !mayFeed(actorOf(r), scope) {
		s.writeProblem(w, r, errNotFound)
		return
	}
	if err := s.opt.CalendarFeeds.RevokeCalendarFeed(r.Context(), id, time.Now()); err != nil {
		s.writeProblem(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// calendarFeed answers GET /calendar/{token}.ics: the feed's appointments
// as iCalendar. The token is the only credential (calendar programs send
// no cookies); an unknown or revoked token gets 404.
func (s *Server) calendarFeed(w http.ResponseWriter, r *http.Request) {
	token, ok := strings.CutSuffix(r.PathValue("file"), ".ics")
	if !ok || token == "" || s.opt.CalendarFeeds == nil {
		http.NotFound(w, r)
		return
	}
	scope, ok, err := s.opt.CalendarFeeds.CalendarFeed(r.Context(), notify.FeedTokenHash(token))
	if err != nil {
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
		return
	}
	if !ok {
		http.NotFound(w, r)
		return
	}
	now := time.Now()
	var entries []notify.FeedEntry
	if s.opt.Appointments != nil { // nil: no appointments yet, an empty calendar
		entries, err = s.opt.Appointments.FeedEntries(r.Context(), scope, now.Add(-feedPast), now.Add(feedFuture))
		if err != nil {
			s.log.Error("calendar feed", "scope", scope.Kind(), "err", err)
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
	}
	name := s.siteName() + ": " + scope.Subject()
	if o, ok := s.officeName(scope.Office); ok {
		name = s.siteName() + ": " + o
	}
	loc := s.opt.Location
	if loc == nil {
		loc = berlin
	}
	body := (&notify.Renderer{Loc: loc, Site: s.siteName()}).Feed(name, entries, now)
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Cache-Control", "private, max-age=300")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Write(body)
}

func (s *Server) officeName(id string) (string, bool) {
	if id == "" || s.rec == nil {
		return "", false
	}
	o, ok := s.rec.Office(id)
	return o.Name, ok
}
