package reception

import (
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/problem"
)

// State of a ticket. StateUnknown is the zero value and never stored.
type State string

// Ticket states. Waiting, Returned and Forwarded are "queued": the ticket
// holds a place in its office's queue, ordered by the original knock time.
const (
	StateUnknown        State = ""
	StateWaiting        State = "waiting"
	StateCalled         State = "called"
	StateInConsultation State = "in_consultation"
	StateEnded          State = "ended"
	StateDeclined       State = "declined"
	StateReturned       State = "returned"
	StateForwarded      State = "forwarded"
	StateAbandoned      State = "abandoned"
)

// Queued reports whether a ticket in this state holds a place in a queue.
func (s State) Queued() bool {
	return s == StateWaiting || s == StateReturned || s == StateForwarded
}

// Final reports whether no further transition is possible.
func (s State) Final() bool {
	return s == StateEnded || s == StateDeclined || s == StateAbandoned
}

// Action is something done to a ticket.
type Action string

// Actions on tickets; each is one transition of the state machine.
const (
	ActKnock   Action = "knock"
	ActAdmit   Action = "admit"   // clerk calls the citizen into a room
	ActEnter   Action = "enter"   // the citizen's browser opened the room
	ActDecline Action = "decline" // clerk declines with a message
	ActReturn  Action = "return"  // back to the waiting room
	ActForward Action = "forward" // to another office or a named clerk
	ActEnd     Action = "end"     // consultation over
	ActLeave   Action = "leave"   // the citizen left the queue
	ActHangUp  Action = "hangup"  // the citizen ended the consultation
	ActAbandon Action = "abandon" // grace period after disconnect ran out
)

// transitions is the ticket state machine: for each action, the states it
// may start from and the state it leads to.
var transitions = map[Action]struct {
	from []State
	to   State
}{
	ActAdmit:   {[]State{StateWaiting, StateReturned, StateForwarded}, StateCalled},
	ActEnter:   {[]State{StateCalled, StateInConsultation}, StateInConsultation},
	ActDecline: {[]State{StateWaiting, StateReturned, StateForwarded, StateCalled, StateInConsultation}, StateDeclined},
	ActReturn:  {[]State{StateCalled, StateInConsultation}, StateReturned},
	ActForward: {[]State{StateWaiting, StateReturned, StateForwarded, StateCalled, StateInConsultation}, StateForwarded},
	ActEnd:     {[]State{StateCalled, StateInConsultation}, StateEnded},
	ActLeave:   {[]State{StateWaiting, StateReturned, StateForwarded, StateCalled}, StateAbandoned},
	ActHangUp:  {[]State{StateInConsultation}, StateEnded},
	ActAbandon: {[]State{StateWaiting, StateReturned, StateForwarded, StateCalled}, StateAbandoned},
}

// Next returns the state an action leads to from state s, or a conflict
// problem that says why not.
func Next(s State, a Action) (State, error) {
	t, ok := transitions[a]
	if !ok {
		return StateUnknown, problem.New(problem.KindInvalid, "unknown_action")
	}
	for _, f := range t.from {
		if f == s {
			return t.to, nil
		}
	}
	return StateUnknown, conflictFor(s, a)
}

// From lists the states an action may start from (used for conditional
// updates, so that exactly one of two concurrent clerks wins).
func From(a Action) []State { return transitions[a].from }

func conflictFor(s State, a Action) error {
	switch {
	case a == ActAdmit && (s == StateCalled || s == StateInConsultation):
		return problem.New(problem.KindConflict, "already_admitted")
	case s.Final():
		return problem.New(problem.KindConflict, "ticket_closed")
	default:
		return problem.New(problem.KindConflict, "wrong_state")
	}
}

// Ticket is one citizen visit.
type Ticket struct {
	ID             string        `json:"id"`
	OfficeID       string        `json:"office_id"`
	Number         string        `json:"number"`
	Day            string        `json:"-"`
	TokenHash      []byte        `json:"-"`
	Name           string        `json:"name,omitempty"`
	Concern        string        `json:"concern"`
	Language       string        `json:"language"`
	State          State         `json:"state"`
	KnockedAt      time.Time     `json:"knocked_at"`
	UpdatedAt      time.Time     `json:"updated_at"`
	CalledAt       time.Time     `json:"-"`
	StartedAt      time.Time     `json:"-"`
	EndedAt        time.Time     `json:"-"`
	Clerk          string        `json:"clerk,omitempty"`
	ReservedFor    string        `json:"reserved_for,omitempty"`
	ForwardedFrom  string        `json:"forwarded_from,omitempty"`
	ForwardNote    string        `json:"forward_note,omitempty"`
	DeclineMessage string        `json:"decline_message,omitempty"`
	RoomID         string        `json:"room_id,omitempty"`
	EstimateAtCall time.Duration `json:"-"`
	Estimate       time.Duration `json:"-"` // estimate given when the ticket was (re)queued
	Notes          []Note        `json:"notes,omitempty"`
	// Confidential is set (not stored) for tickets of a confidential office.
	Confidential bool `json:"confidential,omitempty"`
	// Forwards is the ticket's forwarding history, oldest first (loaded
	// with the ticket, like Notes; empty on the in-memory queue's copies).
	Forwards []Forward `json:"forwards,omitempty"`
	// AppointmentID and AppointmentAt mark a booked appointment whose
	// citizen opened the join link (see Arrive): such tickets go first in
	// their office's queue, by slot time. Service is the booked service's
	// name.
	AppointmentID string    `json:"appointment_id,omitempty"`
	AppointmentAt time.Time `json:"appointment_at,omitzero"`
	Service       string    `json:"service,omitempty"`
}

// Forward is one forwarding of a ticket, with the note for the colleague;
// citizens never see it. The *Name fields are filled for display by the
// staff view and are not stored.
type Forward struct {
	At         time.Time `json:"at"`
	By         string    `json:"by"`
	FromOffice string    `json:"from_office"`
	ToOffice   string    `json:"to_office"`
	ToClerk    string    `json:"to_clerk,omitempty"`
	Note       string    `json:"note,omitempty"`
	ByName     string    `json:"by_name,omitempty"`
	FromName   string    `json:"from_office_name,omitempty"`
	ToName     string    `json:"to_office_name,omitempty"`
	ClerkName  string    `json:"to_clerk_name,omitempty"`
}

// Note is an internal clerk note on a ticket; citizens never see it.
type Note struct {
	Author string    `json:"author"`
	Text   string    `json:"text"`
	At     time.Time `json:"at"`
	// AuthorName is the author's display name, filled by the staff view.
	AuthorName string `json:"author_name,omitempty"`
}

// Change is a committed state change, the unit of the event stream.
type Change struct {
	Seq    int64
	Action Action
	Actor  string
	Before State
	Ticket Ticket
	// FromOffice is set when a forward moved the ticket between offices.
	FromOffice string
}
