package web

import (
	"net/http"
	"strings"

	"github.com/buergerbuero/buergerbuero/appliance/consultation"
	"github.com/buergerbuero/buergerbuero/appliance/permanent"
	"github.com/buergerbuero/buergerbuero/appliance/problem"
)

func (s *Server) apiRoom(w http.ResponseWriter, r *http.Request) {
	room, m, err := s.roomMember(r, r.PathValue("room"))
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	me := map[string]any{"role": m.Role, "name": m.Name, "rights": rightsJSON(m.Rights)}
	if m.Language != "" {
		me["language"] = m.Language
	}
	out := map[string]any{"room": room, "me": me}
	// the concern only for roles that may see it (docs/roles.md)
	if concern, err := s.rec.Rooms.Concern(r.Context(), room, m); err == nil && concern != "" {
		out["concern"] = concern
	}
	if info := s.permanentRoomInfo(room, m); info != nil {
		out["permanent"] = info
	}
	writeJSON(w, 200, out)
}

// rightsJSON is a member's rights as the room page reads them.
func rightsJSON(r consultation.Rights) map[string]bool {
	out := map[string]bool{}
	for _, n := range consultation.RightNames {
		out[n] = false
	}
	for _, n := range r.Names() {
		out[n] = true
	}
	return out
}

func (s *Server) apiRoomMessages(w http.ResponseWriter, r *http.Request) {
	room, _, err := s.roomMember(r, r.PathValue("room"))
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	s.writeMessages(w, r, room.ID)
}

func (s *Server) apiRoomPost(w http.ResponseWriter, r *http.Request) {
	room, m, err := s.roomMember(r, r.PathValue("room"))
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	s.post(w, r, room, m)
}

func (s *Server) apiRoomFile(w http.ResponseWriter, r *http.Request) {
	room, m, err := s.roomMember(r, r.PathValue("room"))
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	s.upload(w, r, room, m)
}

func (s *Server) apiRoomMedia(w http.ResponseWriter, r *http.Request) {
	room, m, err := s.roomMember(r, r.PathValue("room"))
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	if s.media == nil {
		s.writeProblem(w, r, problem.New(problem.KindNotFound, "no_media"))
		return
	}
	if !room.EndedAt.IsZero() {
		s.writeProblem(w, r, consultation.ErrRoomClosed)
		return
	}
	if room.Kind == consultation.KindPermanent && s.opt.Permanent != nil && s.opt.Permanent.Full(room.ID, m.Identity) {
		s.writeProblem(w, r, permanent.ErrFull)
		return
	}
	g, err := s.media.GrantMember(room.ID, m)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	writeJSON(w, 200, g)
}

// Staff variants (bearer-friendly paths from the staff contract).

func (s *Server) apiStaffMessages(w http.ResponseWriter, r *http.Request) { s.apiRoomMessages(w, r) }
func (s *Server) apiStaffPost(w http.ResponseWriter, r *http.Request)     { s.apiRoomPost(w, r) }
func (s *Server) apiStaffFile(w http.ResponseWriter, r *http.Request)     { s.apiRoomFile(w, r) }

type inviteBody struct {
	Role     string `json:"role"`
	Language string `json:"language"`
	Name     string `json:"name"`  // whom the invite is for, shown to the participants
	Email    string `json:"email"` // or their e-mail address
}

// invitee is whom an invite names: the name, the e-mail, or both.
func (b inviteBody) invitee() string {
	name, email := strings.TrimSpace(b.Name), strings.TrimSpace(b.Email)
	if name != "" && email != "" {
		return name + " <" + email + ">"
	}
	return name + email
}

func (s *Server) apiInvite(w http.ResponseWriter, r *http.Request) {
	var b inviteBody
	if err := readJSON(r, &b); err != nil {
		s.writeProblem(w, r, err)
		return
	}
	if b.Role == "" {
		b.Role = consultation.RoleInterpreter
	}
	tok, exp, err := s.rec.Rooms.CreateInvite(r.Context(), actorOf(r), r.PathValue("room"), b.Role, b.Language, b.invitee())
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	// the token after '#': browsers never send the fragment, so it stays
	// out of request lines, logs and Referer headers
	writeJSON(w, http.StatusCreated, map[string]any{"url": s.opt.PublicURL + "/join#" + tok, "expires_at": exp})
}

// apiJoinRoom: an office lead or admin joins a running consultation; the
// participants see it in the chat and it is written to the audit log.
func (s *Server) apiJoinRoom(w http.ResponseWriter, r *http.Request) {
	room, err := s.rec.Rooms.JoinRoom(r.Context(), actorOf(r), r.PathValue("room"))
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	writeJSON(w, 200, map[string]any{"room": room})
}

// apiAddColleague: a participant adds a colleague of the office.
func (s *Server) apiAddColleague(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Login string `json:"login"`
	}
	if err := readJSON(r, &b); err != nil {
		s.writeProblem(w, r, err)
		return
	}
	room, err := s.rec.Rooms.AddColleague(r.Context(), actorOf(r), r.PathValue("room"), b.Login)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	writeJSON(w, 200, map[string]any{"room": room})
}
