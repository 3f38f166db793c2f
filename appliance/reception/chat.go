package reception

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/problem"
)

// Member is somebody allowed into a room: a clerk of its office, the
// admitted citizen, or an invited external participant.
type Member struct {
	Role     string
	Identity string // clerk login, ticket number, or participant pseudonym
	Name     string // shown in the chat
}

// RoomForCitizen checks that the ticket's holder may enter the room: only
// the room they were admitted to, only while called or in consultation.
func (s *Service) RoomForCitizen(ctx context.Context, roomID, ticketID, token string) (Room, Member, error) {
	t, err := s.Authorize(ctx, ticketID, token)
	if err != nil {
		return Room{}, Member{}, err
	}
	if t.RoomID != roomID || (t.State != StateCalled && t.State != StateInConsultation) {
		return Room{}, Member{}, problem.Forbidden
	}
	r, m, err := s.citizenMember(ctx, t)
	if err == nil && !r.EndedAt.IsZero() {
		return Room{}, Member{}, problem.Forbidden
	}
	return r, m, err
}

// CitizenRoom returns the room the ticket's holder is in right now.
func (s *Service) CitizenRoom(ctx context.Context, ticketID, token string) (Room, Member, error) {
	t, err := s.Authorize(ctx, ticketID, token)
	if err != nil {
		return Room{}, Member{}, err
	}
	if t.RoomID == "" || (t.State != StateCalled && t.State != StateInConsultation) {
		return Room{}, Member{}, problem.New(problem.KindConflict, "not_in_room")
	}
	return s.citizenMember(ctx, t)
}

func (s *Service) citizenMember(ctx context.Context, t Ticket) (Room, Member, error) {
	r, err := s.store.Room(ctx, t.RoomID)
	name := t.Name
	if name == "" {
		name = t.Number
	}
	return r, Member{Role: RoleCitizen, Identity: t.Number, Name: name}, err
}

// RoomForParticipant checks an external participant's session token; it
// opens the room only while the consultation runs.
func (s *Service) RoomForParticipant(ctx context.Context, roomID, token string) (Room, Member, error) {
	p, err := s.store.ParticipantSession(ctx, hashToken(token), s.now())
	if err != nil {
		return Room{}, Member{}, problem.Forbidden
	}
	if p.RoomID != roomID {
		return Room{}, Member{}, problem.Forbidden
	}
	r, err := s.store.Room(ctx, roomID)
	if err != nil {
		return Room{}, Member{}, err
	}
	if !r.EndedAt.IsZero() {
		return Room{}, Member{}, problem.Forbidden
	}
	return r, Member{Role: p.Role, Identity: p.Identity, Name: p.Identity}, nil
}

// PostMessage adds a chat message; the same clientID from the same role is
// stored once (retries and bridges are idempotent).
func (s *Service) PostMessage(ctx context.Context, r Room, m Member, text, clientID string) (Message, error) {
	if !r.EndedAt.IsZero() {
		return Message{}, ErrRoomClosed
	}
	text = clean(text)
	if err := checkLen("text", text, 1, MaxMessage); err != nil {
		return Message{}, err
	}
	if len(clientID) > 100 {
		return Message{}, problem.Invalid("client_id", "client_id_too_long", map[string]any{"Max": 100})
	}
	msg, _, err := s.store.AddMessage(ctx, Message{RoomID: r.ID, AuthorRole: m.Role, Author: m.Name, Text: text, ClientID: clientID, At: s.now()}, nil)
	if err == nil {
		s.Hub.wakeEvents()
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
	if int64(len(data)) > s.set.MaxUpload {
		return Message{}, ErrTooLarge
	}
	if len(data) == 0 {
		return Message{}, problem.Invalid("file", "file_empty", nil)
	}
	name = clean(filepath.Base(strings.ReplaceAll(name, "\\", "/")))
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
	f := &File{FileRef: FileRef{ID: "f_" + randomID(), Name: name, Size: int64(len(data)), Type: typ}, RoomID: r.ID, Data: data}
	msg := Message{RoomID: r.ID, AuthorRole: m.Role, Author: m.Name, ClientID: clientID, At: s.now(), File: &f.FileRef}
	out, _, err := s.store.AddMessage(ctx, msg, f)
	if err == nil {
		s.Hub.wakeEvents()
	}
	return out, err
}

// Messages returns a room's messages after seq.
func (s *Service) Messages(ctx context.Context, roomID string, after int64) ([]Message, error) {
	ms, err := s.store.Messages(ctx, roomID, after)
	return withNotices(ms), err
}

// File returns an uploaded file of a room.
func (s *Service) File(ctx context.Context, roomID, id string) (File, error) {
	return s.store.File(ctx, roomID, id)
}

// MaxInvitee is the longest name or e-mail an invite may name (runes).
const MaxInvitee = 120

// CreateInvite makes a single-use, time-limited link token for an
// interpreter (or another external role) into one consultation. who (a
// name or an e-mail address, optional) says whom it is for; the
// participants see it in the chat when the invite is made and when it is
// redeemed.
func (s *Service) CreateInvite(ctx context.Context, a Actor, roomID, role, lang, who string) (token string, expires time.Time, err error) {
	r, _, err := s.RoomForClerk(ctx, a, roomID)
	if err != nil {
		return "", time.Time{}, err
	}
	if !r.EndedAt.IsZero() {
		return "", time.Time{}, ErrRoomClosed
	}
	if role != RoleInterpreter && role != "guest" {
		return "", time.Time{}, problem.Invalid("role", "role", map[string]any{"Allowed": []string{"interpreter", "guest"}})
	}
	lang = strings.ToLower(strings.TrimSpace(lang))
	if len(lang) > 10 {
		return "", time.Time{}, problem.Invalid("language", "language", nil)
	}
	who = clean(strings.ReplaceAll(who, "\n", " "))
	if err := checkLen("name", who, 0, MaxInvitee); err != nil {
		return "", time.Time{}, err
	}
	token = randomToken()
	expires = s.now().Add(s.set.InviteTTL)
	ident := "Dolmetscher·in"
	if role == "guest" {
		ident = "Gast"
	}
	if lang != "" {
		ident += " (" + lang + ")"
	}
	if who != "" {
		ident += " – " + who
	}
	notice := Notice{Key: NoticeInvited, Args: map[string]string{"By": a.Clerk.DisplayName, "Role": role, "Lang": lang, "Who": who}}
	if err = s.store.CreateParticipantToken(ctx, hashToken(token), "invite", Participant{RoomID: roomID, Role: role, Identity: ident, ExpiresAt: expires}, lang); err != nil {
		return "", time.Time{}, err
	}
	err = s.systemMessage(ctx, r, "invite:"+randomID(), notice)
	return token, expires, err
}

// RedeemInvite turns a single-use invite into a participant session.
func (s *Service) RedeemInvite(ctx context.Context, invite string) (session string, p Participant, err error) {
	p, err = s.store.RedeemInvite(ctx, hashToken(invite), s.now())
	if err != nil {
		return "", p, err
	}
	r, err := s.store.Room(ctx, p.RoomID)
	if err != nil || !r.EndedAt.IsZero() {
		return "", Participant{}, ErrInviteInvalid
	}
	session = randomToken()
	if err = s.store.CreateParticipantToken(ctx, hashToken(session), "session", p, ""); err != nil {
		return "", p, err
	}
	err = s.systemMessage(ctx, r, "joined:"+randomID(), Notice{Key: NoticeJoined, Args: map[string]string{"Who": p.Identity}})
	return session, p, err
}

// Events returns staff stream events after seq.
func (s *Service) Events(ctx context.Context, since int64, limit int) ([]Event, error) {
	return s.store.Events(ctx, since, limit)
}

// PublishPresence appends a presence event to the staff stream.
func (s *Service) PublishPresence(ctx context.Context, payload []byte) error {
	_, err := s.store.AddEvent(ctx, "presence", payload)
	s.Hub.wakeEvents()
	return err
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

// LastEventSeq returns the newest event sequence number.
func (s *Service) LastEventSeq(ctx context.Context) (int64, error) {
	return s.store.LastEventSeq(ctx)
}
