package consultation

import (
	"context"
	"slices"

	"github.com/buergerbuero/buergerbuero/appliance/problem"
	"github.com/buergerbuero/buergerbuero/appliance/secret"
	"github.com/buergerbuero/buergerbuero/appliance/staff"
)

// A consultation is confidential to its participants: the clerk who
// admitted, colleagues a participant added, leads and admins who joined
// explicitly (visible to everybody in the room and in the audit log), the
// citizen while called or in consultation, and invited externals while the
// consultation runs. Being a member of the office is not enough.

// Kinds of staff room membership besides the admitting clerk.
const (
	MemberColleague = "colleague" // added by a participant
	MemberJoined    = "joined"    // a lead or admin who joined
)

// participates reports whether a member of staff takes part in a room.
func participates(r Room, c staff.Clerk) bool {
	return c.Login != "" && (r.Clerk == c.Login || slices.Contains(r.Members, c.Login))
}

// RoomForClerk checks that a member of staff takes part in a room.
func (s *Service) RoomForClerk(ctx context.Context, a Actor, roomID string) (Room, Member, error) {
	r, err := s.store.Room(ctx, roomID)
	if err != nil {
		return r, Member{}, err
	}
	if !a.Clerk.MemberOf(r.OfficeID) {
		return Room{}, Member{}, ErrNotMember
	}
	// a permanent room is open to every member of its office (admins
	// included); a consultation only to its participants
	if r.Kind != KindPermanent && !participates(r, a.Clerk) {
		return Room{}, Member{}, ErrNotParticipant
	}
	return r, NewMember(RoleClerk, a.Clerk.Login, a.Clerk.DisplayName), nil
}

// RoomForCitizen checks that the ticket's holder may enter the room (the
// directory proves it by the ticket token: only the room they were
// admitted to, only while called or in consultation) and that it is open.
func (s *Service) RoomForCitizen(ctx context.Context, roomID, ticketID, token string) (Room, Member, error) {
	ident, name, err := s.dir.Citizen(ctx, roomID, ticketID, token)
	if err != nil {
		return Room{}, Member{}, err
	}
	r, err := s.store.Room(ctx, roomID)
	if err != nil {
		return Room{}, Member{}, err
	}
	if !r.EndedAt.IsZero() {
		return Room{}, Member{}, problem.Forbidden
	}
	return r, NewMember(RoleCitizen, ident, name), nil
}

// RoomForParticipant checks an external participant's session token; it
// opens the room only while the consultation runs.
func (s *Service) RoomForParticipant(ctx context.Context, roomID, token string) (Room, Member, error) {
	p, err := s.store.ParticipantSession(ctx, secret.Hash(token), s.now())
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
	return r, Member{Role: p.Role, Identity: p.Identity, Name: p.Name, Language: p.Language, Rights: s.set.Roles.Rights(r.OfficeID, p.Role)}, nil
}

// Concern returns the concern of the room's visit to a member whose role
// may see it (Rights.SeeConcern); the others get ErrForbiddenByRole. A
// room without a ticket has no concern.
func (s *Service) Concern(ctx context.Context, r Room, m Member) (string, error) {
	if !m.Rights.SeeConcern {
		return "", ErrForbiddenByRole
	}
	if r.TicketID == "" {
		return "", nil
	}
	return s.dir.Concern(ctx, r.TicketID)
}

// Participates reports whether a member of staff takes part in a room.
func (s *Service) Participates(ctx context.Context, roomID string, c staff.Clerk) (bool, error) {
	r, err := s.store.Room(ctx, roomID)
	if err != nil {
		return false, err
	}
	return participates(r, c), nil
}

// JoinRoom lets an office lead or an admin join a running consultation.
// The participants see it in the chat, and it is written to the audit log.
func (s *Service) JoinRoom(ctx context.Context, a Actor, roomID string) (Room, error) {
	r, err := s.store.Room(ctx, roomID)
	if err != nil {
		return r, err
	}
	if !a.Clerk.MemberOf(r.OfficeID) {
		return Room{}, ErrNotMember
	}
	if a.Clerk.Login == "" || (a.Clerk.Role != staff.RoleLead && a.Clerk.Role != staff.RoleAdmin) {
		return Room{}, ErrJoinNotAllowed
	}
	if !r.EndedAt.IsZero() {
		return Room{}, ErrRoomClosed
	}
	if participates(r, a.Clerk) {
		return r, nil
	}
	now := s.now()
	if err := s.store.AddRoomMember(ctx, r, a.Clerk.Login, MemberJoined, a.AuditName(), now, memberAudit(r, a.Clerk.Login, MemberJoined, a.AuditName(), now)); err != nil {
		return Room{}, err
	}
	key := NoticeLeadJoined
	if a.Clerk.Role == staff.RoleAdmin {
		key = NoticeAdminJoined
	}
	if err := s.systemMessage(ctx, r, "join:"+a.Clerk.Login, Notice{Key: key, Args: map[string]string{"Name": a.Clerk.DisplayName}}); err != nil {
		return Room{}, err
	}
	return s.store.Room(ctx, roomID)
}

// AddColleague lets a participant add a colleague of the room's office.
func (s *Service) AddColleague(ctx context.Context, a Actor, roomID, login string) (Room, error) {
	r, _, err := s.RoomForClerk(ctx, a, roomID)
	if err != nil {
		return r, err
	}
	if !r.EndedAt.IsZero() {
		return Room{}, ErrRoomClosed
	}
	c, ok := s.dir.Clerk(login)
	if !ok || !c.MemberOf(r.OfficeID) {
		return Room{}, problem.Invalid("login", "no_such_colleague_here", nil)
	}
	if participates(r, c) {
		return r, nil
	}
	now := s.now()
	if err := s.store.AddRoomMember(ctx, r, c.Login, MemberColleague, a.AuditName(), now, memberAudit(r, c.Login, MemberColleague, a.AuditName(), now)); err != nil {
		return Room{}, err
	}
	if err := s.systemMessage(ctx, r, "add:"+c.Login, Notice{Key: NoticeAdded, Args: map[string]string{"By": a.Clerk.DisplayName, "Name": c.DisplayName}}); err != nil {
		return Room{}, err
	}
	return s.store.Room(ctx, roomID)
}

// systemMessage posts a notice every participant sees; key makes it
// idempotent.
func (s *Service) systemMessage(ctx context.Context, r Room, key string, n Notice) error {
	_, _, err := s.store.AddMessage(ctx, Message{RoomID: r.ID, AuthorRole: RoleSystem, Author: "System", Text: encodeNotice(n), ClientID: "sys:" + key, At: s.now()}, nil)
	if err == nil {
		s.wake()
	}
	return err
}

// StreamMessage returns a chat message for a staff event stream, if the
// reader may see it: a participant of the room, or the Matrix bridge's
// read-only identity for a consultation it relays (the admitting clerk uses
// Matrix and the office is not confidential).
func (s *Service) StreamMessage(ctx context.Context, a Actor, roomID string, seq int64) (Message, bool, error) {
	r, err := s.store.Room(ctx, roomID)
	if err != nil {
		return Message{}, false, nil
	}
	if !a.Clerk.MemberOf(r.OfficeID) {
		return Message{}, false, nil
	}
	if !participates(r, a.Clerk) && !s.relays(a, r) {
		return Message{}, false, nil
	}
	m, err := s.store.Message(ctx, roomID, seq)
	if err != nil {
		if err == ErrMessageNotFound {
			return Message{}, false, nil // deleted meanwhile
		}
		return Message{}, false, err
	}
	return withNotice(m), true, nil
}

// relays reports whether a is a service client's read-only identity that
// may relay the room's content to its clerk's Matrix room.
func (s *Service) relays(a Actor, r Room) bool {
	if a.Via == "" || a.Clerk.Login != "" {
		return false
	}
	if s.dir.Confidential(r.OfficeID) {
		return false
	}
	c, _ := s.dir.Clerk(r.Clerk)
	return c.MatrixID != ""
}
