package web

import (
	"net/http"

	"github.com/buergerbuero/buergerbuero/appliance/problem"
	"github.com/buergerbuero/buergerbuero/appliance/whiteboard"
)

// The room's whiteboard: its members read the board and send operations
// here (authorised like the room's chat); the others get them over the
// room's event stream (roomEvent, apiRoomEvents).

// whiteboardBody is an operation as a client sends it: an op of package
// whiteboard, or the laser pointer ("pointer" with x and y).
type whiteboardBody struct {
	Op     whiteboard.OpType `json:"op"`
	ID     string            `json:"id"`
	Item   *whiteboard.Item  `json:"item"`
	Target string            `json:"target"`
	X      *float64          `json:"x"`
	Y      *float64          `json:"y"`
}

func (s *Server) apiWhiteboard(w http.ResponseWriter, r *http.Request) {
	room, m, err := s.roomMember(r, r.PathValue("room"))
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	snap, err := s.rec.Rooms.Whiteboard(r.Context(), room, m)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, snap)
}

func (s *Server) apiWhiteboardPost(w http.ResponseWriter, r *http.Request) {
	room, m, err := s.roomMember(r, r.PathValue("room"))
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	var b whiteboardBody
	if err := readJSON(r, &b); err != nil {
		s.writeProblem(w, r, err)
		return
	}
	if b.Op == "pointer" {
		if b.X == nil || b.Y == nil {
			s.writeProblem(w, r, problem.Invalid("points", "whiteboard_coordinates", nil))
			return
		}
		if err := s.rec.Rooms.Point(room, m, *b.X, *b.Y); err != nil {
			s.writeProblem(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
		return
	}
	op, applied, err := s.rec.Rooms.Draw(r.Context(), room, m, whiteboard.Op{Type: b.Op, ID: b.ID, Item: b.Item, Target: b.Target})
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	status := http.StatusCreated
	if !applied {
		status = http.StatusOK
	}
	writeJSON(w, status, op)
}
