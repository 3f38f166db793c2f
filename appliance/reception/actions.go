package reception

import (
	"context"
	"errors"
	"github.com/buergerbuero/buergerbuero/appliance/consultation"
	"strings"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/problem"
	"github.com/buergerbuero/buergerbuero/appliance/staff"
	"github.com/buergerbuero/buergerbuero/appliance/text"
)

// backToQueue clears what belonged to the consultation (clerk, room,
// call and start times) when a ticket returns to a queue; the knock time,
// and with it the place, stays.
func backToQueue(t *Ticket, now time.Time) {
	t.Clerk, t.RoomID, t.UpdatedAt = "", "", now
	t.CalledAt, t.StartedAt = time.Time{}, time.Time{}
}

// finish stamps the end of a visit.
func finish(now time.Time) func(*Ticket) (*consultation.Room, error) {
	return func(t *Ticket) (*consultation.Room, error) {
		t.EndedAt, t.UpdatedAt = now, now
		return nil, nil
	}
}

// Actor is the clerk doing something, possibly through a service client.
type Actor = consultation.Actor

// Resolve finds a ticket by id or by today's number ("B-017").
func (s *Service) Resolve(ctx context.Context, ref string) (Ticket, error) {
	if strings.HasPrefix(ref, "t_") {
		return s.store.Ticket(ctx, ref)
	}
	return s.store.TicketByNumber(ctx, ref, s.now().In(s.set.Loc).Format("2006-01-02"))
}

// StaffTicket returns a ticket as a clerk of its office sees it.
func (s *Service) StaffTicket(ctx context.Context, a Actor, ref string) (StaffTicket, error) {
	t, err := s.Resolve(ctx, ref)
	if err != nil {
		return StaffTicket{}, err
	}
	if !a.Clerk.MemberOf(t.OfficeID) && a.Clerk.Login != "" {
		return StaffTicket{}, ErrNotMember
	}
	if err := s.mayAct(ctx, a, t); err != nil {
		// the ticket's state, but not what was written in the consultation
		t.Notes = nil
	}
	return s.staffView(t), nil
}

func (s *Service) act(ctx context.Context, a Actor, ref string, act Action, mutate func(*Ticket) (*consultation.Room, error)) (StaffTicket, error) {
	t, err := s.Resolve(ctx, ref)
	if err != nil {
		return StaffTicket{}, err
	}
	// a state conflict first (two clerks admitting at once: the loser
	// learns it was admitted, 409), then participation (403)
	if _, err := Next(t.State, act); err != nil {
		return StaffTicket{}, err
	}
	if err := s.mayAct(ctx, a, t); err != nil {
		return StaffTicket{}, err
	}
	checked := t.RoomID
	ch, err := s.apply(ctx, t.ID, act, a.AuditName(), func(t *Ticket) (*consultation.Room, error) {
		if t.RoomID != checked {
			// admitted by somebody else since the participant check
			return nil, conflictFor(StateUnknown, act)
		}
		return mutate(t)
	})
	if err != nil {
		return StaffTicket{}, err
	}
	s.committed(ch)
	return s.staffView(ch.Ticket), nil
}

// Admit calls a waiting citizen into a new private room. Of two clerks who
// admit the same ticket at once exactly one wins; the other gets a conflict.
func (s *Service) Admit(ctx context.Context, a Actor, ref string) (StaffTicket, error) {
	if cur, busy := s.q.clerkActive(a.Clerk.Login); busy && cur.Number != ref && cur.ID != ref {
		return StaffTicket{}, ErrBusy
	}
	now := s.now()
	return s.act(ctx, a, ref, ActAdmit, func(t *Ticket) (*consultation.Room, error) {
		if t.ReservedFor != "" && t.ReservedFor != a.Clerk.Login && a.Clerk.Role == staff.RoleClerk {
			return nil, ErrReserved
		}
		t.Clerk, t.CalledAt, t.UpdatedAt, t.ReservedFor = a.Clerk.Login, now, now, ""
		// the room is inserted in this transaction with the ticket
		r := consultation.NewConsultation(t.ID, t.OfficeID, a.Clerk.Login, now)
		t.RoomID = r.ID
		return &r, nil
	})
}

// Enter records that the citizen opened the room (called → in consultation).
func (s *Service) Enter(ctx context.Context, id, token string) (View, error) {
	t, err := s.Authorize(ctx, id, token)
	if err != nil {
		return View{}, err
	}
	if t.State == StateInConsultation {
		return s.view(t), nil
	}
	now := s.now()
	ch, err := s.apply(ctx, t.ID, ActEnter, "citizen", func(t *Ticket) (*consultation.Room, error) {
		t.StartedAt, t.UpdatedAt = now, now
		return nil, nil
	})
	if err != nil {
		return View{}, err
	}
	s.committed(ch)
	return s.view(ch.Ticket), nil
}

// Decline turns a citizen away with a message they will see.
func (s *Service) Decline(ctx context.Context, a Actor, ref, message string) (StaffTicket, error) {
	message = text.Clean(message)
	if err := text.CheckLen("message", message, 1, MaxMessage); err != nil {
		return StaffTicket{}, err
	}
	now := s.now()
	return s.act(ctx, a, ref, ActDecline, func(t *Ticket) (*consultation.Room, error) {
		t.DeclineMessage, t.EndedAt, t.UpdatedAt = message, now, now
		return nil, nil
	})
}

// Return sends a called or consulting citizen back to the waiting room; the
// ticket keeps its knock time and therefore its place.
func (s *Service) Return(ctx context.Context, a Actor, ref string) (StaffTicket, error) {
	now := s.now()
	return s.act(ctx, a, ref, ActReturn, func(t *Ticket) (*consultation.Room, error) {
		backToQueue(t, now)
		return nil, nil
	})
}

// Forward hands a ticket to another office or to a named colleague, with a
// note. It keeps the original knock time and therefore its place.
func (s *Service) Forward(ctx context.Context, a Actor, ref, toOffice, toClerk, note string) (StaffTicket, error) {
	note = text.Clean(note)
	if err := text.CheckLen("note", note, 0, MaxNote); err != nil {
		return StaffTicket{}, err
	}
	if (toOffice == "") == (toClerk == "") {
		return StaffTicket{}, problem.Invalid("office_id", "forward_target", nil)
	}
	var target staff.Clerk
	if toClerk != "" {
		s.clerkMu.RLock()
		c, ok := s.clerks[toClerk]
		s.clerkMu.RUnlock()
		if !ok {
			return StaffTicket{}, problem.Invalid("clerk", "no_such_colleague", nil)
		}
		target = c
	} else if _, ok := s.office(toOffice); !ok {
		return StaffTicket{}, problem.Invalid("office_id", "no_such_office", nil)
	}
	now := s.now()
	return s.act(ctx, a, ref, ActForward, func(t *Ticket) (*consultation.Room, error) {
		from := t.OfficeID
		if toOffice != "" && toOffice != t.OfficeID {
			t.OfficeID, t.ForwardedFrom, t.ReservedFor = toOffice, from, ""
		}
		if toClerk != "" {
			if !target.MemberOf(t.OfficeID) {
				if len(target.Offices) == 0 {
					return nil, problem.Invalid("clerk", "colleague_without_office", nil)
				}
				t.OfficeID, t.ForwardedFrom = target.Offices[0], from
			}
			t.ReservedFor = target.Login
		}
		t.ForwardNote = note
		backToQueue(t, now)
		if o, ok := s.office(t.OfficeID); ok {
			t.Estimate = s.estimate(o, s.q.place(t.ID)+1)
		}
		return nil, nil
	})
}

// End closes a consultation.
func (s *Service) End(ctx context.Context, a Actor, ref string) (StaffTicket, error) {
	now := s.now()
	return s.act(ctx, a, ref, ActEnd, func(t *Ticket) (*consultation.Room, error) {
		if t.StartedAt.IsZero() {
			t.StartedAt = t.CalledAt
		}
		return finish(now)(t)
	})
}

// Leave takes a citizen out at their own request: out of the queue, or,
// in a consultation, out of the consultation, which then ends (hang-up)
// and counts as a consultation held.
func (s *Service) Leave(ctx context.Context, id, token string) error {
	t, err := s.Authorize(ctx, id, token)
	if err != nil {
		return err
	}
	now := s.now()
	action, update := ActLeave, finish(now)
	if t.State == StateInConsultation {
		action = ActHangUp
		update = func(t *Ticket) (*consultation.Room, error) {
			if t.StartedAt.IsZero() {
				t.StartedAt = t.CalledAt
			}
			return finish(now)(t)
		}
	}
	ch, err := s.apply(ctx, t.ID, action, "citizen", update)
	if err != nil {
		return err
	}
	s.committed(ch)
	return nil
}

// AddNote stores an internal note on a ticket.
func (s *Service) AddNote(ctx context.Context, a Actor, ref, note string) (StaffTicket, error) {
	note = text.Clean(note)
	if err := text.CheckLen("text", note, 1, MaxNote); err != nil {
		return StaffTicket{}, err
	}
	t, err := s.Resolve(ctx, ref)
	if err != nil {
		return StaffTicket{}, err
	}
	if err := s.mayAct(ctx, a, t); err != nil {
		return StaffTicket{}, err
	}
	if err := s.store.AddNote(ctx, t.ID, Note{Author: a.Clerk.Login, Text: note, At: s.now()}); err != nil {
		return StaffTicket{}, err
	}
	t, err = s.store.Ticket(ctx, t.ID)
	return s.staffView(t), err
}

// Queue returns an office's queued tickets as clerks see them, plus the
// tickets in consultation.
func (s *Service) Queue(office string) []StaffTicket {
	var out []StaffTicket
	for _, t := range s.q.waiting(office) {
		out = append(out, s.staffView(*t))
	}
	for _, t := range s.q.consulting(office) {
		out = append(out, s.staffView(*t))
	}
	return out
}

// IsConflict reports whether err is a state conflict (e.g. already admitted).
func IsConflict(err error) bool { return errors.Is(err, problem.ErrConflict) }
