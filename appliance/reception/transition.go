package reception

import (
	"context"
	"encoding/json"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/consultation"
)

// Transition decides one change of a ticket. The store calls it inside its
// write transaction with the ticket as stored (for CreateTicket: numbered,
// not yet inserted) and persists the Outcome it returns, all of it or, on
// an error, nothing. It runs under the store's write lock: it must not
// block, and it may read only through facts.
type Transition func(ctx context.Context, t Ticket, facts Facts) (Outcome, error)

// Facts are what a transition may read in its transaction beyond the
// ticket: they are answered from the same snapshot the change commits on.
type Facts interface {
	// AdmittedBefore: the audit holds an admission of the ticket in office.
	AdmittedBefore(ctx context.Context, ticketID, officeID string) (bool, error)
	// Attended: a participant with one of roles took part in the room
	// (joined it, or used an invite to it).
	Attended(ctx context.Context, roomID string, roles []string) (bool, error)
}

// Outcome is a decided change: the ticket as it is to be stored and every
// row the store writes beside it. The store decides none of it; it writes
// the ticket only if its state is still Change.Before (else a conflict),
// and fills in Change.Seq with the sequence number of Event.
type Outcome struct {
	// Change carries the new ticket (Change.Ticket) and, for an Apply, the
	// state it must still be in (Change.Before).
	Change Change
	// OpenRoom is inserted with the ticket (an admission's room).
	OpenRoom *consultation.Room
	// EndRoom is a room to close at EndedAt, if it is still open.
	EndRoom string
	EndedAt time.Time
	// Handling is a consultation duration for the wait estimator.
	Handling *Sample
	// Disconnected, when not zero, records the ticket as without a live
	// connection since then; DropConnections forgets that record.
	Disconnected    time.Time
	DropConnections bool
	// Forward is appended to the ticket's forwarding history.
	Forward *Forward
	// Audit is the ticket's audit entry (actor, office and ticket from Change).
	Audit AuditEntry
	// Event is the JSON body of the staff event of type "ticket".
	Event []byte
	// Tallies are added to the daily usage figures (package stats).
	Tallies []Tally
}

// AuditEntry is what a ticket change writes to the audit log. Detail is
// structured, not prose: "from <office> to <office>" or "to clerk <login>",
// with identifiers only (the audit viewer shows it as it is).
type AuditEntry struct {
	Action string
	Detail string
}

// Tally adds N to one cell of the daily usage figures. Package stats says
// which cells a change adds to (stats.Count); the reception only carries
// them into the change's transaction, so a change counts exactly once.
type Tally struct {
	Day, Office, Service, Figure, Detail string
	N                                    int64
}

// Counter says what a change adds to the usage figures, reading facts in
// the change's transaction. A nil Counter counts nothing.
type Counter func(ctx context.Context, ch Change, facts Facts) ([]Tally, error)

// Rules turn the reception's actions into transitions.
type Rules struct {
	// Count adds a change's usage figures (stats.Count in the appliance).
	Count Counter
}

// ChangePayload is the JSON body of a ticket event on the staff stream.
// The event log is kept longer than personal data may be: it carries the
// ticket's state, never what the citizen or a clerk wrote.
type ChangePayload struct {
	Action     Action `json:"action"`
	Actor      string `json:"actor"`
	FromOffice string `json:"from_office,omitempty"`
	Ticket     Ticket `json:"ticket"`
}

// Knock is the transition of a new ticket: its event, audit entry and
// figures, and no live connection yet, so a knock that is never followed
// up is abandoned after the grace period.
func (r Rules) Knock() Transition {
	return func(ctx context.Context, t Ticket, facts Facts) (Outcome, error) {
		out := Outcome{Change: Change{Action: ActKnock, Actor: "citizen", Ticket: t}, Disconnected: t.KnockedAt}
		return out, r.finish(ctx, &out, facts)
	}
}

// Step is the transition of action a by actor: the state machine (Next)
// decides the new state, mutate adjusts the ticket and may open a room,
// and the rules below add what the change brings with it.
func (r Rules) Step(a Action, actor string, mutate func(*Ticket) (*consultation.Room, error)) Transition {
	return func(ctx context.Context, t Ticket, facts Facts) (Outcome, error) {
		before, fromOffice, oldRoom := t.State, t.OfficeID, t.RoomID
		to, err := Next(before, a)
		if err != nil {
			return Outcome{}, err
		}
		t.State = to
		out := Outcome{}
		if mutate != nil {
			if out.OpenRoom, err = mutate(&t); err != nil {
				return Outcome{}, err
			}
		}
		if out.OpenRoom != nil && out.OpenRoom.Kind == "" {
			out.OpenRoom.Kind = consultation.KindConsultation
		}
		out.Change = Change{Action: a, Actor: actor, Before: before, Ticket: t}
		if fromOffice != t.OfficeID {
			out.Change.FromOffice = fromOffice
		}
		if a == ActForward {
			out.Forward = &Forward{At: t.UpdatedAt, By: actor, FromOffice: fromOffice, ToOffice: t.OfficeID, ToClerk: t.ReservedFor, Note: t.ForwardNote}
		}
		// the room lives while the ticket is called or in consultation
		if oldRoom != "" && t.State != StateCalled && t.State != StateInConsultation {
			out.EndRoom, out.EndedAt = oldRoom, t.UpdatedAt
		}
		if (a == ActEnd || a == ActHangUp) && !t.StartedAt.IsZero() {
			out.Handling = &Sample{OfficeID: t.OfficeID, EndedAt: t.EndedAt, Duration: t.EndedAt.Sub(t.StartedAt)}
		}
		out.DropConnections = t.State.Final()
		return out, r.finish(ctx, &out, facts)
	}
}

// finish adds the audit entry, the event and the figures of out.Change.
func (r Rules) finish(ctx context.Context, out *Outcome, facts Facts) error {
	ch := out.Change
	out.Audit = AuditEntry{Action: string(ch.Action)}
	if ch.FromOffice != "" {
		out.Audit.Detail = "from " + ch.FromOffice + " to " + ch.Ticket.OfficeID
	} else if ch.Action == ActForward && ch.Ticket.ReservedFor != "" {
		out.Audit.Detail = "to clerk " + ch.Ticket.ReservedFor
	}
	t := ch.Ticket
	t.Name, t.Concern, t.ForwardNote, t.DeclineMessage, t.Notes = "", "", "", "", nil
	payload, err := json.Marshal(ChangePayload{Action: ch.Action, Actor: ch.Actor, FromOffice: ch.FromOffice, Ticket: t})
	if err != nil {
		return err
	}
	out.Event = payload
	if r.Count != nil {
		if out.Tallies, err = r.Count(ctx, ch, facts); err != nil {
			return err
		}
	}
	return nil
}
