package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/events"
	"github.com/buergerbuero/buergerbuero/appliance/problem"
)

// The events API (appliance/events): public listing and event pages,
// anonymous viewer sessions (a bearer token from POST …/viewers),
// questions, raised hands and media admission; the staff side creates,
// moderates and brings viewers on stage. Contract: docs/api/openapi.yaml.

var errNoEvents = problem.New(problem.KindNotFound, "event_not_found")

// publicEvent is an event as anybody may see it: no logins.
type publicEvent struct {
	ID           string    `json:"id"`
	OfficeID     string    `json:"office_id"`
	Title        string    `json:"title"`
	Start        time.Time `json:"starts_at"`
	End          time.Time `json:"ends_at"`
	Status       string    `json:"status"`
	AllowVideo   bool      `json:"allow_video"`
	Registration string    `json:"registration_url,omitempty"`
}

func (s *Server) publicEvent(e events.Event) publicEvent {
	p := publicEvent{ID: e.ID, OfficeID: e.OfficeID, Title: e.Title, Start: e.Start, End: e.End,
		Status: e.Status(time.Now()), AllowVideo: e.AllowVideo}
	if e.ServiceID != "" && s.bookable(e.OfficeID) {
		p.Registration = "/offices/" + e.OfficeID + "/book?service=" + e.ServiceID
	}
	return p
}

// eventsOn answers 404 when the appliance runs without events.
func (s *Server) eventsOn(w http.ResponseWriter, r *http.Request) bool {
	if s.opt.Events == nil {
		s.writeProblem(w, r, errNoEvents)
		return false
	}
	return true
}

func (s *Server) apiEvents(w http.ResponseWriter, r *http.Request) {
	if !s.eventsOn(w, r) {
		return
	}
	list, err := s.opt.Events.Upcoming(r.Context(), r.URL.Query().Get("office"))
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	out := make([]publicEvent, 0, len(list))
	for _, e := range list {
		out = append(out, s.publicEvent(e))
	}
	writeJSON(w, 200, map[string]any{"events": out})
}

func (s *Server) apiEvent(w http.ResponseWriter, r *http.Request) {
	if !s.eventsOn(w, r) {
		return
	}
	e, err := s.opt.Events.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	writeJSON(w, 200, map[string]any{"event": s.publicEvent(e)})
}

// apiEventJoin gives an anonymous viewer session.
func (s *Server) apiEventJoin(w http.ResponseWriter, r *http.Request) {
	if !s.eventsOn(w, r) {
		return
	}
	if !s.eventJoins.allow(s.clientIP(r), time.Now()) {
		s.writeProblem(w, r, errJoinRate)
		return
	}
	tok, m, err := s.opt.Events.Join(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"viewer_id": m.ID, "token": tok, "expires_at": m.Expires})
}

func (s *Server) apiEventState(w http.ResponseWriter, r *http.Request) {
	if !s.eventsOn(w, r) {
		return
	}
	id := r.PathValue("id")
	m, err := s.opt.Events.Session(r.Context(), id, ticketToken(r))
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	st, err := s.opt.Events.Hub.Snapshot(r.Context(), id)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	writeJSON(w, 200, map[string]any{"me": map[string]string{"id": m.ID, "kind": m.Kind}, "state": st.Public})
}

func (s *Server) apiEventAsk(w http.ResponseWriter, r *http.Request) {
	if !s.eventsOn(w, r) {
		return
	}
	var b struct {
		Text string `json:"text"`
	}
	if err := readJSON(r, &b); err != nil {
		s.writeProblem(w, r, err)
		return
	}
	q, err := s.opt.Events.Ask(r.Context(), r.PathValue("id"), ticketToken(r), b.Text)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"question": q})
}

func (s *Server) apiEventHand(w http.ResponseWriter, r *http.Request) {
	if !s.eventsOn(w, r) {
		return
	}
	var b struct {
		Raised bool `json:"raised"`
	}
	if err := readJSON(r, &b); err != nil {
		s.writeProblem(w, r, err)
		return
	}
	if err := s.opt.Events.RaiseHand(r.Context(), r.PathValue("id"), ticketToken(r), b.Raised); err != nil {
		s.writeProblem(w, r, err)
		return
	}
	writeJSON(w, 200, map[string]any{"raised": b.Raised})
}

// apiEventMedia admits a viewer (receive-only; on stage it may publish,
// which the SFU allows by identity) or an external speaker (publishes).
func (s *Server) apiEventMedia(w http.ResponseWriter, r *http.Request) {
	if !s.eventsOn(w, r) {
		return
	}
	id := r.PathValue("id")
	m, err := s.opt.Events.Session(r.Context(), id, ticketToken(r))
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	e, err := s.opt.Events.Get(r.Context(), id)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	role := "viewer"
	if m.Kind == events.KindSpeaker {
		role = "speaker"
	} else if err := s.opt.Events.Admitted(r.Context(), e, m.ID); err != nil {
		s.writeProblem(w, r, err)
		return
	}
	s.grantEventMedia(w, r, id, m.ID, role)
}

func (s *Server) grantEventMedia(w http.ResponseWriter, r *http.Request, event, identity, role string) {
	if s.media == nil {
		s.writeProblem(w, r, problem.New(problem.KindNotFound, "no_media"))
		return
	}
	e, err := s.opt.Events.Get(r.Context(), event)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	if st := e.Status(time.Now()); st == events.StatusCancelled || st == events.StatusEnded {
		s.writeProblem(w, r, events.ErrOver)
		return
	}
	g, err := s.media.Grant(event, identity, "", role)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	writeJSON(w, 200, map[string]any{"grant": g, "identity": identity, "role": role})
}

// apiSpeakerInvite redeems an external speaker's link. The token comes as
// bearer token: the link carries it after '#' (/speak#…), so it never
// stands in a request line, a log or a Referer.
func (s *Server) apiSpeakerInvite(w http.ResponseWriter, r *http.Request) {
	if !s.eventsOn(w, r) {
		return
	}
	tok := ticketToken(r)
	if tok == "" {
		s.writeProblem(w, r, events.ErrInviteInvalid)
		return
	}
	sess, m, err := s.opt.Events.RedeemSpeaker(r.Context(), tok)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"event_id": m.EventID, "speaker_id": m.ID, "token": sess})
}

// Staff side.

// checkEventService: registration goes through a service the office's
// appointment book offers.
func (s *Server) checkEventService(office, service string) error {
	if service == "" {
		return nil
	}
	if s.opt.Booking != nil {
		list, err := s.opt.Booking.Services(office)
		for _, svc := range list {
			if err == nil && svc.ID == service {
				return nil
			}
		}
	}
	return problem.Invalid("service_id", "event_service_unknown", nil)
}

func (s *Server) apiStaffEventCreate(w http.ResponseWriter, r *http.Request) {
	if !s.eventsOn(w, r) {
		return
	}
	var d events.Draft
	if err := readJSON(r, &d); err != nil {
		s.writeProblem(w, r, err)
		return
	}
	if err := s.checkEventService(d.OfficeID, d.ServiceID); err != nil {
		s.writeProblem(w, r, err)
		return
	}
	e, err := s.opt.Events.Create(r.Context(), actorOf(r).Clerk, d)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"event": e})
}

func (s *Server) apiStaffEvent(w http.ResponseWriter, r *http.Request) {
	if !s.eventsOn(w, r) {
		return
	}
	c := actorOf(r).Clerk
	e, err := s.opt.Events.Moderated(r.Context(), c, r.PathValue("id"))
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	st, err := s.opt.Events.Hub.Snapshot(r.Context(), e.ID)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	writeJSON(w, 200, map[string]any{"event": e, "state": st.Public, "moderation": st.Moderation, "speaker": events.IsSpeaker(c, e)})
}

func (s *Server) apiStaffEventEdit(w http.ResponseWriter, r *http.Request) {
	if !s.eventsOn(w, r) {
		return
	}
	var d events.Draft
	if err := readJSON(r, &d); err != nil {
		s.writeProblem(w, r, err)
		return
	}
	if old, err := s.opt.Events.Get(r.Context(), r.PathValue("id")); err == nil {
		if err := s.checkEventService(old.OfficeID, d.ServiceID); err != nil {
			s.writeProblem(w, r, err)
			return
		}
	}
	e, err := s.opt.Events.Edit(r.Context(), actorOf(r).Clerk, r.PathValue("id"), d)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	writeJSON(w, 200, map[string]any{"event": e})
}

func (s *Server) apiStaffEventCancel(w http.ResponseWriter, r *http.Request) {
	if !s.eventsOn(w, r) {
		return
	}
	e, err := s.opt.Events.Cancel(r.Context(), actorOf(r).Clerk, r.PathValue("id"))
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	writeJSON(w, 200, map[string]any{"event": e})
}

func (s *Server) apiStaffSpeakerInvite(w http.ResponseWriter, r *http.Request) {
	if !s.eventsOn(w, r) {
		return
	}
	tok, exp, err := s.opt.Events.InviteSpeaker(r.Context(), actorOf(r).Clerk, r.PathValue("id"))
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"url": s.opt.PublicURL + "/speak#" + tok, "expires_at": exp})
}

// apiStaffQuestion approves or rejects a question ({action}: approve,
// reject).
func (s *Server) apiStaffQuestion(w http.ResponseWriter, r *http.Request) {
	if !s.eventsOn(w, r) {
		return
	}
	qid, err := strconv.ParseInt(r.PathValue("q"), 10, 64)
	if err != nil {
		s.writeProblem(w, r, events.ErrNoQuestion)
		return
	}
	var approve bool
	switch r.PathValue("action") {
	case "approve":
		approve = true
	case "reject":
	default:
		s.writeProblem(w, r, errNotFound)
		return
	}
	q, err := s.opt.Events.Moderate(r.Context(), actorOf(r).Clerk, r.PathValue("id"), qid, approve)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	writeJSON(w, 200, map[string]any{"question": q})
}

func (s *Server) apiStaffStage(w http.ResponseWriter, r *http.Request) {
	if !s.eventsOn(w, r) {
		return
	}
	var b struct {
		Viewer  string `json:"viewer"`
		OnStage bool   `json:"on_stage"`
	}
	if err := readJSON(r, &b); err != nil {
		s.writeProblem(w, r, err)
		return
	}
	if err := s.opt.Events.Stage(r.Context(), actorOf(r).Clerk, r.PathValue("id"), b.Viewer, b.OnStage); err != nil {
		s.writeProblem(w, r, err)
		return
	}
	writeJSON(w, 200, map[string]any{"viewer": b.Viewer, "on_stage": b.OnStage})
}

// apiStaffEventMedia admits a staff speaker as publisher and any other
// moderator as viewer.
func (s *Server) apiStaffEventMedia(w http.ResponseWriter, r *http.Request) {
	if !s.eventsOn(w, r) {
		return
	}
	c := actorOf(r).Clerk
	e, err := s.opt.Events.Moderated(r.Context(), c, r.PathValue("id"))
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	role := "viewer"
	if events.IsSpeaker(c, e) {
		role = "speaker"
	}
	s.grantEventMedia(w, r, e.ID, "staff:"+c.Login, role)
}
