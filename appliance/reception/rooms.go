package reception

import (
	"context"

	"github.com/buergerbuero/buergerbuero/appliance/consultation"
	"github.com/buergerbuero/buergerbuero/appliance/problem"
	"github.com/buergerbuero/buergerbuero/appliance/staff"
)

// The reception opens a consultation room when a clerk admits a ticket
// (the room is inserted in the ticket's transaction, see Admit) and closes
// it when the ticket leaves the room; everything inside the room belongs to
// package consultation (s.Rooms).

// CitizenRoom returns the room the ticket's holder is in right now.
func (s *Service) CitizenRoom(ctx context.Context, ticketID, token string) (consultation.Room, consultation.Member, error) {
	t, err := s.Authorize(ctx, ticketID, token)
	if err != nil {
		return consultation.Room{}, consultation.Member{}, err
	}
	if t.RoomID == "" || (t.State != StateCalled && t.State != StateInConsultation) {
		return consultation.Room{}, consultation.Member{}, problem.New(problem.KindConflict, "not_in_room")
	}
	r, err := s.Rooms.Room(ctx, t.RoomID)
	return r, consultation.NewMember(consultation.RoleCitizen, t.Number, citizenName(t)), err
}

func citizenName(t Ticket) string {
	if t.Name == "" {
		return t.Number
	}
	return t.Name
}

// directory answers the consultation's questions (consultation.Directory).
type directory struct{ s *Service }

// Citizen proves by the ticket token that its holder may enter roomID: only
// the room they were admitted to, only while called or in consultation.
func (d directory) Citizen(ctx context.Context, roomID, ticketID, token string) (string, string, error) {
	t, err := d.s.Authorize(ctx, ticketID, token)
	if err != nil {
		return "", "", err
	}
	if t.RoomID != roomID || (t.State != StateCalled && t.State != StateInConsultation) {
		return "", "", problem.Forbidden
	}
	return t.Number, citizenName(t), nil
}

func (d directory) Clerk(login string) (staff.Clerk, bool) {
	d.s.clerkMu.RLock()
	defer d.s.clerkMu.RUnlock()
	c, ok := d.s.clerks[login]
	return c, ok
}

func (d directory) Confidential(officeID string) bool {
	o, ok := d.s.office(officeID)
	return !ok || o.Confidential
}

// Concern returns a ticket's concern (the consultation decides who sees it).
func (d directory) Concern(ctx context.Context, ticketID string) (string, error) {
	if t, ok := d.s.q.get(ticketID); ok {
		return t.Concern, nil
	}
	t, err := d.s.store.Ticket(ctx, ticketID)
	return t.Concern, err
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
	ok, err := s.Rooms.Participates(ctx, t.RoomID, a.Clerk)
	if err != nil {
		return err
	}
	if !ok {
		return ErrNotParticipant
	}
	return nil
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
