package consultation

import (
	"context"
	"encoding/json"

	"github.com/buergerbuero/buergerbuero/appliance/problem"
	"github.com/buergerbuero/buergerbuero/appliance/text"
)

// PostMessage adds a chat message; the same clientID from the same role is
// stored once (retries and bridges are idempotent).
func (s *Service) PostMessage(ctx context.Context, r Room, m Member, body, clientID string) (Message, error) {
	if !r.EndedAt.IsZero() {
		return Message{}, ErrRoomClosed
	}
	if !m.Rights.Chat {
		return Message{}, ErrForbiddenByRole
	}
	body = text.Clean(body)
	if err := text.CheckLen("text", body, 1, MaxMessage); err != nil {
		return Message{}, err
	}
	if len(clientID) > 100 {
		return Message{}, problem.Invalid("client_id", "client_id_too_long", map[string]any{"Max": 100})
	}
	msg, _, err := s.store.AddMessage(ctx, Message{RoomID: r.ID, AuthorRole: m.Role, Author: m.Name, Text: body, ClientID: clientID, At: s.now()}, nil)
	if err == nil {
		s.wake()
	}
	return msg, err
}

// Messages returns a room's messages after seq.
func (s *Service) Messages(ctx context.Context, roomID string, after int64) ([]Message, error) {
	ms, err := s.store.Messages(ctx, roomID, after)
	return withNotices(ms), err
}

// RoomOpen reports whether a room's consultation is still running.
func (s *Service) RoomOpen(ctx context.Context, roomID string) (bool, error) {
	r, err := s.store.Room(ctx, roomID)
	return err == nil && r.EndedAt.IsZero(), err
}

// Message returns one message of a room (callers checked membership).
func (s *Service) Message(ctx context.Context, roomID string, seq int64) (Message, error) {
	m, err := s.store.Message(ctx, roomID, seq)
	return withNotice(m), err
}

// MessageEvent is the JSON body of a message event on the staff stream,
// written with the message: it says only that there is one (its seq and
// room); text, author and file are fetched by participants through the
// room API.
func MessageEvent(seq int64, roomID string) []byte {
	b, _ := json.Marshal(messageEvent{Message: messageRef{Seq: seq, RoomID: roomID}})
	return b
}

type messageEvent struct {
	Message messageRef `json:"message"`
}

type messageRef struct {
	Seq    int64  `json:"seq"`
	RoomID string `json:"room_id"`
}
