package web

import (
	"context"
	"encoding/json"
	"github.com/buergerbuero/buergerbuero/appliance/consultation"
	"strconv"

	"github.com/buergerbuero/buergerbuero/appliance/i18n"
	"github.com/buergerbuero/buergerbuero/appliance/reception"
	"github.com/buergerbuero/buergerbuero/appliance/whiteboard"
)

// The event log holds no content (no chat text, no names or concerns):
// message events name the room and the message's seq, ticket events carry
// the ticket's state. What a reader may see is filled in here, per reader,
// by the reception's participant rules.

// messageRef reads the room and seq a message event points at.
func messageRef(e reception.Event) (room string, seq int64) {
	var p struct {
		Message struct {
			Seq    int64  `json:"seq"`
			RoomID string `json:"room_id"`
		} `json:"message"`
	}
	json.Unmarshal(e.Payload, &p)
	return p.Message.RoomID, p.Message.Seq
}

// messageJSON renders a message event with its content.
func messageJSON(seq int64, m consultation.Message) []byte {
	b, _ := json.Marshal(struct {
		Seq     int64                `json:"seq"`
		Type    string               `json:"type"`
		Message consultation.Message `json:"message"`
	}{seq, "message", m})
	return b
}

// staffMessageEvent renders a message event for a staff stream: with the
// message for the room's participants (and the relaying bridge), nothing
// for anybody else.
func (s *Server) staffMessageEvent(ctx context.Context, l *i18n.Localizer, a reception.Actor, e reception.Event) []byte {
	room, seq := messageRef(e)
	m, ok, err := s.rec.Rooms.StreamMessage(ctx, a, room, seq)
	if err != nil || !ok {
		return nil
	}
	return messageJSON(e.Seq, renderNotice(l, m))
}

// staffTicketEvent renders a ticket event for a member of the ticket's
// office, with the personal fields the reader may see.
func (s *Server) staffTicketEvent(ctx context.Context, a reception.Actor, e reception.Event) []byte {
	var body map[string]json.RawMessage
	if json.Unmarshal(e.Payload, &body) != nil {
		return nil
	}
	var t reception.Ticket
	if json.Unmarshal(body["ticket"], &t) != nil {
		return nil
	}
	t, ok := s.rec.StreamTicket(ctx, a, t)
	if !ok {
		return nil
	}
	body["ticket"], _ = json.Marshal(t)
	body["seq"] = json.RawMessage(strconv.FormatInt(e.Seq, 10))
	body["type"] = json.RawMessage(`"ticket"`)
	b, _ := json.Marshal(body)
	return b
}

// roomEvent renders an event for a room's own stream: its new messages.
// Citizens and external participants lose the stream when the
// consultation ends.
func (s *Server) roomEvent(ctx context.Context, l *i18n.Localizer, roomID string, m consultation.Member, e reception.Event, last *int64) ([]byte, bool) {
	switch e.Type {
	case "ticket":
		if m.Role == consultation.RoleClerk {
			return nil, false
		}
		open, err := s.rec.Rooms.RoomOpen(ctx, roomID)
		return nil, err == nil && !open
	case "message":
		room, seq := messageRef(e)
		if room != roomID || seq <= *last {
			return nil, false
		}
		msg, err := s.rec.Rooms.Message(ctx, roomID, seq)
		if err != nil {
			return nil, false
		}
		*last = seq
		return messageJSON(e.Seq, renderNotice(l, msg)), false
	case "whiteboard":
		return s.whiteboardEvent(ctx, roomID, m, e), false
	}
	return nil, false
}

// whiteboardEvent renders an operation on the room's whiteboard for a
// member: {"type":"whiteboard","op":…}, their own drawings marked.
func (s *Server) whiteboardEvent(ctx context.Context, roomID string, m consultation.Member, e reception.Event) []byte {
	var p struct {
		Whiteboard struct {
			RoomID string `json:"room_id"`
			Seq    int64  `json:"seq"`
		} `json:"whiteboard"`
	}
	if e.RoomID != roomID || json.Unmarshal(e.Payload, &p) != nil || p.Whiteboard.RoomID != roomID {
		return nil
	}
	op, ok, err := s.rec.Rooms.WhiteboardOp(ctx, roomID, m, p.Whiteboard.Seq)
	if err != nil || !ok {
		return nil
	}
	b, _ := json.Marshal(struct {
		Seq  int64         `json:"seq"`
		Type string        `json:"type"`
		Op   whiteboard.Op `json:"op"`
	}{e.Seq, "whiteboard", op})
	return b
}
