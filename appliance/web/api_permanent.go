package web

import (
	"encoding/json"
	"net/http"

	"github.com/buergerbuero/buergerbuero/appliance/consultation"
	"github.com/buergerbuero/buergerbuero/appliance/permanent"
	"github.com/buergerbuero/buergerbuero/appliance/problem"
)

// Permanent rooms (package permanent): the public lobby (status,
// occupancy stream, knocks), the staff list and creation, and the hosts'
// moderation. Inside, a permanent room is a consultation room: its page
// is /room/{id} and its chat the room API; its event stream also carries
// presence (permanent_ws.go).

var errNoPermanent = problem.New(problem.KindNotFound, "permanent_room_not_found")

func (s *Server) permanentRoutes() {
	s.handle("GET /api/v1/permanent-rooms/{room}", s.apiPermanentRoom)
	s.handle("GET /api/v1/permanent-rooms/{room}/events", s.apiPermanentEvents)
	s.handle("POST /api/v1/permanent-rooms/{room}/knocks", s.apiPermanentKnock)
	s.handle("GET /api/v1/permanent-rooms/{room}/knocks/{knock}", s.apiPermanentFollow)
	s.handle("DELETE /api/v1/permanent-rooms/{room}/knocks/{knock}", s.apiPermanentWithdraw)
	s.handle("GET /api/v1/staff/permanent-rooms", s.staffOnly(s.apiStaffPermanentRooms))
	s.handle("POST /api/v1/staff/permanent-rooms", s.staffOnly(s.apiCreatePermanentRoom))
	s.handle("GET /api/v1/staff/permanent-rooms/events", s.staffOnly(s.apiStaffPermanentEvents))
	s.handle("POST /api/v1/staff/permanent-rooms/{room}/admit", s.staffOnly(s.apiPermanentAdmit))
	s.handle("POST /api/v1/staff/permanent-rooms/{room}/remove", s.staffOnly(s.apiPermanentRemove))
	s.handle("POST /api/v1/staff/permanent-rooms/{room}/mute", s.staffOnly(s.apiPermanentMute))
	s.handle("GET /p/{room}", s.pagePermanentLobby)
	s.handle("GET /staff/rooms", s.staffPage(s.pagePermanentRooms))
}

// perm returns the permanent rooms or writes 404.
func (s *Server) perm(w http.ResponseWriter, r *http.Request) *permanent.Service {
	if s.opt.Permanent == nil {
		s.writeProblem(w, r, errNoPermanent)
	}
	return s.opt.Permanent
}

func (s *Server) apiPermanentRoom(w http.ResponseWriter, r *http.Request) {
	p := s.perm(w, r)
	if p == nil {
		return
	}
	st, err := p.Public(r.Context(), r.PathValue("room"))
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	writeJSON(w, 200, st)
}

// apiPermanentEvents streams a room's public status (occupancy) on every
// change; the lobby page follows its knock on each message.
func (s *Server) apiPermanentEvents(w http.ResponseWriter, r *http.Request) {
	p := s.perm(w, r)
	if p == nil {
		return
	}
	id := r.PathValue("room")
	if _, err := p.Public(r.Context(), id); err != nil {
		s.writeProblem(w, r, err)
		return
	}
	s.permanentStream(w, r, true, func() ([]byte, bool) {
		st, err := p.Public(r.Context(), id)
		if err != nil {
			return nil, true
		}
		b, _ := json.Marshal(map[string]any{"type": "status", "status": st})
		return b, false
	})
}

func (s *Server) apiPermanentKnock(w http.ResponseWriter, r *http.Request) {
	p := s.perm(w, r)
	if p == nil {
		return
	}
	var b struct {
		Name string `json:"name"`
	}
	if err := readJSON(r, &b); err != nil {
		s.writeProblem(w, r, err)
		return
	}
	id, tok, err := p.Knock(r.Context(), r.PathValue("room"), b.Name)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]string{"id": id, "token": tok})
}

func (s *Server) apiPermanentFollow(w http.ResponseWriter, r *http.Request) {
	p := s.perm(w, r)
	if p == nil {
		return
	}
	st, err := p.Follow(r.PathValue("room"), r.PathValue("knock"), ticketToken(r))
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, 200, st)
}

func (s *Server) apiPermanentWithdraw(w http.ResponseWriter, r *http.Request) {
	p := s.perm(w, r)
	if p == nil {
		return
	}
	if err := p.Withdraw(r.PathValue("room"), r.PathValue("knock"), ticketToken(r)); err != nil {
		s.writeProblem(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiStaffPermanentRooms(w http.ResponseWriter, r *http.Request) {
	p := s.perm(w, r)
	if p == nil {
		return
	}
	rooms, err := p.Rooms(r.Context(), actorOf(r).Clerk)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	writeJSON(w, 200, map[string]any{"rooms": rooms})
}

func (s *Server) apiCreatePermanentRoom(w http.ResponseWriter, r *http.Request) {
	p := s.perm(w, r)
	if p == nil {
		return
	}
	var b struct {
		OfficeID      string `json:"office_id"`
		Title         string `json:"title"`
		KeepDocuments bool   `json:"keep_documents"`
	}
	if err := readJSON(r, &b); err != nil {
		s.writeProblem(w, r, err)
		return
	}
	if _, ok := s.rec.OfficeStatus(b.OfficeID); !ok {
		s.writeProblem(w, r, problem.Invalid("office_id", "no_such_office", nil))
		return
	}
	room, err := p.Create(r.Context(), actorOf(r), b.OfficeID, b.Title, b.KeepDocuments)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"room": room, "url": s.opt.PublicURL + "/p/" + room.ID})
}

// apiStaffPermanentEvents streams the staff member's permanent rooms
// (occupancy, waiting knocks) on every change.
func (s *Server) apiStaffPermanentEvents(w http.ResponseWriter, r *http.Request) {
	p := s.perm(w, r)
	if p == nil {
		return
	}
	c := actorOf(r).Clerk
	s.permanentStream(w, r, false, func() ([]byte, bool) {
		rooms, err := p.Rooms(r.Context(), c)
		if err != nil {
			return nil, true
		}
		b, _ := json.Marshal(map[string]any{"type": "rooms", "rooms": rooms})
		return b, false
	})
}

func (s *Server) apiPermanentAdmit(w http.ResponseWriter, r *http.Request) {
	p := s.perm(w, r)
	if p == nil {
		return
	}
	var b struct {
		KnockID string `json:"knock_id"` // empty: admit all
	}
	if err := readJSON(r, &b); err != nil {
		s.writeProblem(w, r, err)
		return
	}
	n, err := p.Admit(r.Context(), actorOf(r), r.PathValue("room"), b.KnockID)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	writeJSON(w, 200, map[string]int{"admitted": n})
}

type moderateBody struct {
	Identity string `json:"identity"`
	Muted    *bool  `json:"muted,omitempty"`
}

func (s *Server) apiPermanentRemove(w http.ResponseWriter, r *http.Request) {
	p := s.perm(w, r)
	if p == nil {
		return
	}
	var b moderateBody
	if err := readJSON(r, &b); err != nil {
		s.writeProblem(w, r, err)
		return
	}
	if err := p.Remove(r.Context(), actorOf(r), r.PathValue("room"), b.Identity); err != nil {
		s.writeProblem(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiPermanentMute(w http.ResponseWriter, r *http.Request) {
	p := s.perm(w, r)
	if p == nil {
		return
	}
	var b moderateBody
	if err := readJSON(r, &b); err != nil {
		s.writeProblem(w, r, err)
		return
	}
	muted := b.Muted == nil || *b.Muted
	if err := p.Mute(r.Context(), actorOf(r), r.PathValue("room"), b.Identity, muted); err != nil {
		s.writeProblem(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) pagePermanentLobby(w http.ResponseWriter, r *http.Request) {
	if s.opt.Permanent == nil {
		s.pageNotFound(w, r)
		return
	}
	room, err := s.opt.Permanent.Public(r.Context(), r.PathValue("room"))
	if err != nil {
		s.render(w, r, 404, page{Title: "notfound.title", Body: "notfound"})
		return
	}
	office, _ := s.rec.OfficeStatus(room.OfficeID)
	s.render(w, r, 200, page{Title: "permroom.lobby.title", Body: "permlobby", Script: "permlobby.js", Data: room, Office: office}, "Room", room.Title)
}

func (s *Server) pagePermanentRooms(w http.ResponseWriter, r *http.Request) {
	_, sess, err := s.staffIdentity(r)
	if err != nil || sess == nil {
		http.Redirect(w, r, "/staff/login", http.StatusSeeOther)
		return
	}
	if to := staffGate(sess); to != "" {
		http.Redirect(w, r, to, http.StatusSeeOther)
		return
	}
	s.render(w, r, 200, page{Title: "permroom.staff.title", Body: "permrooms", Script: "permrooms.js"})
}

// permanentRoomInfo is what GET /api/v1/rooms/{room} adds for a permanent
// room: its title and state for the reader, and whether it is full to them.
func (s *Server) permanentRoomInfo(room consultation.Room, m consultation.Member) any {
	p := s.opt.Permanent
	if p == nil || room.Kind != consultation.KindPermanent {
		return nil
	}
	pr, err := p.Room(bgCtx(), room.ID)
	if err != nil {
		return nil
	}
	return map[string]any{"state": p.StateFor(pr, m), "full": p.Full(room.ID, m.Identity)}
}
