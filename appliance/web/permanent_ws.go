package web

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/consultation"
	"github.com/buergerbuero/buergerbuero/appliance/i18n"
)

// closeRemoved tells a removed participant's page why its stream ended
// (RFC 6455 1008, policy violation: live() in common.js treats it as
// final).
const closeRemoved = closePolicyViolation

// permanentStream sends render's snapshot at once and again whenever the
// permanent rooms change and the snapshot differs, or with always on every
// change (a knocking page looks at its knock then); stop closes it.
func (s *Server) permanentStream(w http.ResponseWriter, r *http.Request, always bool, render func() ([]byte, bool)) {
	c, closed, ok := s.wsOpen(w, r)
	if !ok {
		return
	}
	defer s.conns.Done()
	defer c.conn.Close()
	ping := time.NewTicker(pingPeriod)
	defer ping.Stop()
	var last []byte
	for {
		changed := s.opt.Permanent.Changed()
		b, stop := render()
		if stop {
			c.write(opClose, closeFrame(closeNormal, "ended"))
			return
		}
		if always || !bytes.Equal(b, last) {
			if c.write(opText, b) != nil {
				return
			}
			last = b
		}
		select {
		case <-changed:
		case <-closed:
			return
		case <-s.shutdown:
			c.askReconnect()
			return
		case <-ping.C:
			if c.write(opPing, nil) != nil {
				return
			}
		}
	}
}

// permanentRoomEvents is a permanent room's own stream for someone inside:
// the chat as in a consultation, plus the room's state (who is there,
// muted, the lobby for hosts) on every change. The open stream is the
// person's presence: the 13th is refused (503 permanent_room_full), and when the last stream
// closes the room is emptied. A removed person's stream closes with
// closeRemoved.
func (s *Server) permanentRoomEvents(w http.ResponseWriter, r *http.Request, room consultation.Room, m consultation.Member, after int64) {
	p := s.opt.Permanent
	pr, err := p.Room(r.Context(), room.ID)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	since, err := s.rec.LastEventSeq(r.Context())
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	pres, err := p.Enter(r.Context(), room.ID, m)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	defer pres.Leave()
	c, closed, ok := s.wsOpen(w, r)
	if !ok {
		return
	}
	defer s.conns.Done()
	defer c.conn.Close()
	l := s.localizer(r)
	msgs, err := s.rec.Rooms.Messages(r.Context(), room.ID, after)
	if err != nil {
		return
	}
	last := after
	for _, msg := range msgs {
		b, _ := json.Marshal(map[string]any{"type": "message", "message": renderNotice(l, msg)})
		if c.write(opText, b) != nil {
			return
		}
		last = msg.Seq
	}
	pointers, stopPointers := s.rec.Rooms.WatchPointers(room.ID, m)
	defer stopPointers()
	ping := time.NewTicker(pingPeriod)
	defer ping.Stop()
	var lastState []byte
	ctx := r.Context()
	for {
		wakeChat, wakeState := s.rec.Hub.EventsChanged(), p.Changed()
		if !s.sendRoomEvents(ctx, c, l, room.ID, m, &since, &last) {
			return
		}
		b, _ := json.Marshal(map[string]any{"type": "state", "state": p.StateFor(pr, m)})
		if !bytes.Equal(b, lastState) {
			if c.write(opText, b) != nil {
				return
			}
			lastState = b
		}
	wait:
		select {
		case b := <-pointers:
			if c.write(opText, b) != nil {
				return
			}
			goto wait // a laser pointer is no reason to look for new events
		case <-wakeChat:
		case <-wakeState:
		case <-pres.Done():
			c.write(opClose, closeFrame(closeRemoved, "removed"))
			return
		case <-closed:
			return
		case <-s.shutdown:
			c.askReconnect()
			return
		case <-ping.C:
			if c.write(opPing, nil) != nil {
				return
			}
		}
	}
}

// sendRoomEvents sends the room's chat messages and whiteboard operations
// from the event log after *since (as the consultation's room stream
// renders them).
func (s *Server) sendRoomEvents(ctx context.Context, c *citizenConn, l *i18n.Localizer, roomID string, m consultation.Member, since, last *int64) bool {
	for {
		evs, err := s.rec.Events(ctx, *since, 500)
		if err != nil {
			return false
		}
		for _, e := range evs {
			*since = e.Seq
			if e.Type == "ticket" {
				continue // a permanent room has no ticket
			}
			if b, _ := s.roomEvent(ctx, l, roomID, m, e, last); b != nil {
				if c.write(opText, b) != nil {
					return false
				}
			}
		}
		if len(evs) < 500 {
			return true
		}
	}
}
