package consultation

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"

	"github.com/buergerbuero/buergerbuero/appliance/problem"
	"github.com/buergerbuero/buergerbuero/appliance/secret"
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

// allowedTypes are the file types accepted in the chat (sniffed, not trusted
// from the client).
var allowedTypes = map[string]bool{
	"application/pdf": true, "image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true,
	"text/plain; charset=utf-8": true, "application/zip": true, "application/octet-stream": true,
}

// PostFile adds a file to the chat.
func (s *Service) PostFile(ctx context.Context, r Room, m Member, name string, data []byte, clientID string) (Message, error) {
	if !r.EndedAt.IsZero() {
		return Message{}, ErrRoomClosed
	}
	if !m.Rights.Upload {
		return Message{}, ErrForbiddenByRole
	}
	if int64(len(data)) > s.set.MaxUpload {
		return Message{}, ErrTooLarge
	}
	if len(data) == 0 {
		return Message{}, problem.Invalid("file", "file_empty", nil)
	}
	name = text.Clean(filepath.Base(strings.ReplaceAll(name, "\\", "/")))
	if name == "" || name == "." || name == "/" {
		name = "datei"
	}
	if len([]rune(name)) > 120 {
		name = string([]rune(name)[:120])
	}
	typ := http.DetectContentType(data)
	if !allowedTypes[typ] {
		typ = "application/octet-stream"
	}
	f := &File{FileRef: FileRef{ID: "f_" + secret.NewID(), Name: name, Size: int64(len(data)), Type: typ}, RoomID: r.ID, Data: data}
	msg := Message{RoomID: r.ID, AuthorRole: m.Role, Author: m.Name, ClientID: clientID, At: s.now(), File: &f.FileRef}
	out, _, err := s.store.AddMessage(ctx, msg, f)
	if err == nil {
		s.wake()
	}
	return out, err
}

// Messages returns a room's messages after seq.
func (s *Service) Messages(ctx context.Context, roomID string, after int64) ([]Message, error) {
	ms, err := s.store.Messages(ctx, roomID, after)
	return withNotices(ms), err
}

// File returns an uploaded file of a room to a member allowed to download.
func (s *Service) File(ctx context.Context, r Room, m Member, id string) (File, error) {
	if !m.Rights.Download {
		return File{}, ErrForbiddenByRole
	}
	return s.store.File(ctx, r.ID, id)
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
