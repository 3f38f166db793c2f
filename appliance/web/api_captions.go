package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/consultation"
)

// Live captions (the written interpreter's; package consultation keeps
// them in memory only). Members read them by long poll: GET …/captions
// ?after=SEQ answers at once when the captions changed since SEQ, else at
// the next change or after captionWait, with the captions as they are.

const captionWait = 25 * time.Second

func (s *Server) apiCaptions(w http.ResponseWriter, r *http.Request) {
	room, _, err := s.roomMember(r, r.PathValue("room"))
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	if !room.EndedAt.IsZero() {
		s.writeProblem(w, r, consultation.ErrRoomClosed)
		return
	}
	after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	c, changed := s.rec.Rooms.Captions(room)
	if c.Seq <= after {
		t := time.NewTimer(captionWait)
		defer t.Stop()
		select {
		case <-changed:
		case <-t.C:
		case <-r.Context().Done():
			return
		case <-s.shutdown:
		}
		// the room may have ended meanwhile (its captions are gone)
		if open, err := s.rec.Rooms.RoomOpen(r.Context(), room.ID); err != nil || !open {
			s.writeProblem(w, r, consultation.ErrRoomClosed)
			return
		}
		c, _ = s.rec.Rooms.Captions(room)
	}
	writeJSON(w, 200, c)
}

type captionBody struct {
	ID    int64  `json:"id"`
	Text  string `json:"text"`
	Final bool   `json:"final"`
}

func (s *Server) apiCaptionPost(w http.ResponseWriter, r *http.Request) {
	room, m, err := s.roomMember(r, r.PathValue("room"))
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	var b captionBody
	if err := readJSON(r, &b); err != nil {
		s.writeProblem(w, r, err)
		return
	}
	c, err := s.rec.Rooms.PostCaption(r.Context(), room, m, b.ID, b.Text, b.Final)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	writeJSON(w, 200, c)
}
