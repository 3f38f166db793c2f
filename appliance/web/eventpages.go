package web

import (
	"net/http"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/events"
)

// Event pages: the public list (/events) and page of an event with its
// date (/events/{id}), the viewer page (/events/{id}/watch), the external
// speaker's page (/speak#{token}), and for staff the list with the form
// to create one (/staff/events) and the console of one event
// (/staff/events/{id}: moderation, hands, stage, and the staff speaker's
// camera).

// eventView is an event as the templates show it.
type eventView struct {
	events.Event
	Office       string
	Status       string
	StatusKey    string // catalogue key of the status
	Registration string
}

var eventStatusKeys = map[string]string{
	events.StatusUpcoming:  "event.status.upcoming",
	events.StatusLive:      "event.status.live",
	events.StatusEnded:     "event.status.ended",
	events.StatusCancelled: "event.status.cancelled",
}

func (s *Server) eventView(e events.Event) eventView {
	v := eventView{Event: e, Office: e.OfficeID, Status: e.Status(time.Now()), Registration: s.publicEvent(e).Registration}
	v.StatusKey = eventStatusKeys[v.Status]
	if st, ok := s.rec.OfficeStatus(e.OfficeID); ok {
		v.Office = st.Name
	}
	return v
}

func (s *Server) pageEvents(w http.ResponseWriter, r *http.Request) {
	if s.opt.Events == nil {
		s.render(w, r, 404, page{Title: "notfound.title", Body: "notfound"})
		return
	}
	list, err := s.opt.Events.Upcoming(r.Context(), r.URL.Query().Get("office"))
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	views := make([]eventView, 0, len(list))
	for _, e := range list {
		views = append(views, s.eventView(e))
	}
	s.render(w, r, 200, page{Title: "event.list.title", Body: "events", Data: views})
}

// eventOr404 finds the page's event or renders the not-found page.
func (s *Server) eventOr404(w http.ResponseWriter, r *http.Request) (eventView, bool) {
	if s.opt.Events != nil {
		if e, err := s.opt.Events.Get(r.Context(), r.PathValue("id")); err == nil {
			return s.eventView(e), true
		}
	}
	s.render(w, r, 404, page{Title: "notfound.title", Body: "notfound"})
	return eventView{}, false
}

func (s *Server) pageEvent(w http.ResponseWriter, r *http.Request) {
	if v, ok := s.eventOr404(w, r); ok {
		s.render(w, r, 200, page{Title: "event.page.title", Body: "event", Data: v}, "Title", v.Title)
	}
}

func (s *Server) pageEventWatch(w http.ResponseWriter, r *http.Request) {
	if v, ok := s.eventOr404(w, r); ok {
		s.render(w, r, 200, page{Title: "event.watch.title", Body: "eventwatch", Script: "eventwatch.js", Data: v}, "Title", v.Title)
	}
}

// pageEventSpeak: the invite token is in the fragment (/speak#token), which
// the browser never sends; the script redeems it on click, so link previews
// do not use it up.
func (s *Server) pageEventSpeak(w http.ResponseWriter, r *http.Request) {
	if s.opt.Events == nil {
		s.render(w, r, 404, page{Title: "notfound.title", Body: "notfound"})
		return
	}
	s.render(w, r, 200, page{Title: "event.speak.title", Body: "eventspeak", Script: "eventwatch.js"})
}

// staffSignedPage renders a staff page after the sign-in checks of the
// console: no session goes to the login, a one-time password to its change.
func (s *Server) staffSignedPage(w http.ResponseWriter, r *http.Request, p page, args ...any) {
	_, sess, err := s.staffIdentity(r)
	if err != nil || sess == nil {
		http.Redirect(w, r, "/staff/login", http.StatusSeeOther)
		return
	}
	if to := staffGate(sess); to != "" {
		http.Redirect(w, r, to, http.StatusSeeOther)
		return
	}
	s.render(w, r, 200, p, args...)
}

func (s *Server) pageStaffEvents(w http.ResponseWriter, r *http.Request) {
	if s.opt.Events == nil {
		s.render(w, r, 404, page{Title: "notfound.title", Body: "notfound"})
		return
	}
	s.staffSignedPage(w, r, page{Title: "event.staff.title", Body: "staffevents", Script: "eventstaff.js", Offices: s.rec.Offices()})
}

func (s *Server) pageEventConsole(w http.ResponseWriter, r *http.Request) {
	if v, ok := s.eventOr404(w, r); ok {
		s.staffSignedPage(w, r, page{Title: "event.console.title", Body: "eventconsole", Script: "eventconsole.js", Data: v}, "Title", v.Title)
	}
}
