package reception

import (
	"context"
	"slices"

	"github.com/buergerbuero/buergerbuero/appliance/problem"
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
	if !participates(r, a.Clerk) {
		return Room{}, Member{}, ErrNotParticipant
	}
	return r, Member{Role: RoleClerk, Identity: a.Clerk.Login, Name: a.Clerk.DisplayName}, nil
}

// mayAct checks that a member of staff may act on a ticket: a member of its
// office, and, while it is in a consultation, a participant of it.
func (s *Service) mayAct(ctx context.Context, a Actor, t Ticket) error {
	if !a.Clerk.MemberOf(t.OfficeID) {
		return ErrNotMember
	}
	if t.RoomID == "" || (t.State != StateCalled && t.State != StateInConsultation) {
		return nil
	}
	r, err := s.store.Room(ctx, t.RoomID)
	if err != nil {
		return err
	}
	if !participates(r, a.Clerk) {
		return ErrNotParticipant
	}
	return nil
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
	if err := s.store.AddRoomMember(ctx, r, a.Clerk.Login, MemberJoined, a.name(), now); err != nil {
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
	s.clerkMu.RLock()
	c, ok := s.clerks[login]
	s.clerkMu.RUnlock()
	if !ok || !c.MemberOf(r.OfficeID) {
		return Room{}, problem.Invalid("login", "no_such_colleague_here", nil)
	}
	if participates(r, c) {
		return r, nil
	}
	if err := s.store.AddRoomMember(ctx, r, c.Login, MemberColleague, a.name(), s.now()); err != nil {
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
		s.Hub.wakeEvents()
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
	if o, ok := s.office(r.OfficeID); !ok || o.Confidential {
		return false
	}
	s.clerkMu.RLock()
	c := s.clerks[r.Clerk]
	s.clerkMu.RUnlock()
	return c.MatrixID != ""
}

// StreamTicket returns the ticket of a ticket event as a staff stream shows
// it, if the reader may see it (a member of its office). The event log
// holds no personal data; the personal fields come from the ticket as it is
// now, except for a service client in a confidential office.
func (s *Service) StreamTicket(ctx context.Context, a Actor, t Ticket) (Ticket, bool) {
	if !a.Clerk.MemberOf(t.OfficeID) {
		return t, false
	}
	o, _ := s.office(t.OfficeID)
	t.Confidential = o.Confidential
	if o.Confidential && a.Via != "" && a.Clerk.Login == "" {
		return t, true
	}
	cur, ok := s.q.get(t.ID)
	if !ok {
		var err error
		if cur, err = s.store.Ticket(ctx, t.ID); err != nil {
			return t, true
		}
	}
	t.Name, t.Concern, t.ForwardNote, t.DeclineMessage = cur.Name, cur.Concern, cur.ForwardNote, cur.DeclineMessage
	return t, true
}

func (s *Service) logError(what string, err error) {
	if s.log != nil {
		s.log.Error(what, "err", err)
	}
}

// QueueFor returns an office's queue as a's console or client shows it: a
// service client's read-only identity (the Matrix bridge) gets no name and
// no concern of a confidential office.
func (s *Service) QueueFor(a Actor, office string) []StaffTicket {
	q := s.Queue(office)
	o, _ := s.office(office)
	for i := range q {
		q[i].Confidential = o.Confidential
		if o.Confidential && a.Via != "" && a.Clerk.Login == "" {
			q[i].Name, q[i].Concern, q[i].ForwardNote, q[i].Notes = "", "", "", nil
		}
		// a colleague's running consultation shows who holds it and since
		// when, nothing of the visit itself
		if c := a.Clerk.Login; c != "" && !q[i].State.Queued() && q[i].Clerk != c {
			q[i].Name, q[i].Concern, q[i].ForwardNote, q[i].Notes, q[i].Forwards = "", "", "", nil, nil
		}
	}
	return q
}
