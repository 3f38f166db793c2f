// Package staffapi is the bridge's client for the appliance's staff API and
// staff event stream (docs/api/staff-api.md). It owns the wire types, the
// mapping of error bodies to sentinel errors and the reconnecting event
// stream; it knows nothing about Matrix.
package staffapi

import (
	"errors"
	"fmt"
	"time"
)

// Ticket states (staff view).
const (
	StateWaiting        = "waiting"
	StateCalled         = "called"
	StateInConsultation = "in_consultation"
	StateEnded          = "ended"
	StateDeclined       = "declined"
	StateReturned       = "returned"
	StateForwarded      = "forwarded"
	StateAbandoned      = "abandoned"
)

// Queued reports whether a ticket in state s is in an office's queue.
func Queued(s string) bool {
	return s == StateWaiting || s == StateReturned || s == StateForwarded
}

// Ticket is the staff view of a ticket.
type Ticket struct {
	ID             string    `json:"id"`
	Number         string    `json:"number"`
	OfficeID       string    `json:"office_id"`
	State          string    `json:"state"`
	Language       string    `json:"language"`
	Concern        string    `json:"concern"`
	KnockedAt      time.Time `json:"knocked_at"`
	Place          int       `json:"place"`
	WaitingSeconds int       `json:"waiting_seconds"`
	ForwardedFrom  string    `json:"forwarded_from"`
	ForwardNote    string    `json:"forward_note"`
	ReservedFor    string    `json:"reserved_for"`
	Clerk          string    `json:"clerk"`
	RoomID         string    `json:"room_id"`
	// Confidential marks a counselling office's ticket: the stream carries
	// no name and no concern, and the consultation is not bridged.
	Confidential bool `json:"confidential"`
	// AppointmentAt is the slot of a booked appointment whose citizen
	// arrived through the join link (zero for walk-ins); Service is the
	// booked service's name.
	AppointmentAt time.Time `json:"appointment_at"`
	Service       string    `json:"service"`
}

// Clerk is a member of staff.
type Clerk struct {
	Login       string   `json:"login"`
	DisplayName string   `json:"display_name"`
	Role        string   `json:"role"`
	Offices     []string `json:"offices"`
	Presence    string   `json:"presence"`
	MatrixID    string   `json:"matrix_id"`
}

// MemberOf reports whether the clerk works in office.
func (c Clerk) MemberOf(office string) bool {
	for _, o := range c.Offices {
		if o == office {
			return true
		}
	}
	return false
}

// Office is an office with its queue.
type Office struct {
	ID    string   `json:"id"`
	Name  string   `json:"name"`
	Queue []Ticket `json:"queue"`
	// Confidential marks a counselling office: its consultations stay off Matrix.
	Confidential bool `json:"confidential"`
}

// File describes an attachment of a room message.
type File struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Size int64  `json:"size"`
	Type string `json:"type"`
}

// Message is a message in a consultation room.
type Message struct {
	Seq        int64     `json:"seq"`
	RoomID     string    `json:"room_id"`
	AuthorRole string    `json:"author_role"`
	Author     string    `json:"author"`
	Text       string    `json:"text"`
	File       *File     `json:"file,omitempty"`
	ClientID   string    `json:"client_id"`
	At         time.Time `json:"at"`
}

// Event types of the staff stream.
const (
	EventTicket   = "ticket"
	EventMessage  = "message"
	EventPresence = "presence"
)

// Event is one entry of the staff event stream.
type Event struct {
	Seq     int64    `json:"seq"`
	Type    string   `json:"type"`
	Ticket  *Ticket  `json:"ticket,omitempty"`
	Message *Message `json:"message,omitempty"`
	Clerk   *Clerk   `json:"clerk,omitempty"`
	// Received is when the client read the event (not part of the wire format).
	Received time.Time `json:"-"`
}

// Invite is a single-use invite link.
type Invite struct {
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Sentinel errors callers branch on; Error wraps one of them.
var (
	ErrBadRequest   = errors.New("bad request")
	ErrUnauthorized = errors.New("unauthorized")
	ErrForbidden    = errors.New("forbidden")
	ErrNotFound     = errors.New("not found")
	ErrConflict     = errors.New("conflict")
	ErrTooLarge     = errors.New("too large")
	ErrInvalid      = errors.New("invalid")
	ErrRateLimited  = errors.New("rate limited")
	ErrUnavailable  = errors.New("unavailable")
)

// Error is an error answer of the appliance: a stable code to branch on,
// the field, and a message for people in the language the client asked
// for (Client.WithLanguage).
type Error struct {
	Status  int
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field"`
}

func (e *Error) Error() string {
	return fmt.Sprintf("appliance: %d %s: %s", e.Status, e.Code, e.Message)
}

// Unwrap maps the HTTP status to a sentinel error.
func (e *Error) Unwrap() error {
	switch e.Status {
	case 400:
		return ErrBadRequest
	case 401:
		return ErrUnauthorized
	case 403:
		return ErrForbidden
	case 404:
		return ErrNotFound
	case 409:
		return ErrConflict
	case 413:
		return ErrTooLarge
	case 422:
		return ErrInvalid
	case 429:
		return ErrRateLimited
	}
	if e.Status >= 500 {
		return ErrUnavailable
	}
	return nil
}

// Permanent reports whether retrying err cannot succeed (a 4xx answer other
// than 429); network errors and 5xx are transient.
func Permanent(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Status >= 400 && e.Status < 500 && e.Status != 429
}
