// Package appointments owns booked appointments: the services an office
// offers for booking, the slots derived from its opening hours and the
// chairs it reserves for appointments, holds and their double opt-in,
// bookings, cancellations, clerk changes to the capacity and the waitlist
// that a freed chair goes to.
//
// It must not send messages itself: every message to a citizen is a
// notify.Message stored in the outbox in the same transaction as the
// change that causes it (package notify delivers it). It knows nothing of
// HTTP (package web) and of the walk-in queue (package reception).
package appointments

import (
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/hours"
	"github.com/buergerbuero/buergerbuero/appliance/notify"
	"github.com/buergerbuero/buergerbuero/appliance/problem"
)

// Mode says how citizens may use a service.
type Mode string

// Modes of a service.
const (
	ModeUnknown Mode = ""
	ModeBooking Mode = "booking" // by appointment only
	ModeWalkIn  Mode = "walk_in" // in the queue only
	ModeBoth    Mode = "both"
)

// Bookable reports whether a service in mode m can be booked.
func (m Mode) Bookable() bool { return m == ModeBooking || m == ModeBoth }

// Service is one thing an office does, e.g. "Personalausweis beantragen".
type Service struct {
	ID          string        `json:"id"`
	Name        string        `json:"name"`
	Duration    time.Duration `json:"-"`
	Languages   []string      `json:"languages"`
	WhatToBring string        `json:"what_to_bring,omitempty"`
	Mode        Mode          `json:"mode"`
}

// Office is what the appointments need to know about an office.
type Office struct {
	ID       string
	Name     string
	Services []Service
	// Chairs reserved for appointments, indexed by time.Weekday; they are
	// reserved during the opening hours of that day only.
	Chairs   [7]int
	Schedule hours.Schedule
}

func (o *Office) service(id string) (Service, bool) {
	for _, s := range o.Services {
		if s.ID == id {
			return s, true
		}
	}
	return Service{}, false
}

// Settings are the site-wide limits of booking.
type Settings struct {
	// HorizonDays: slots can be booked up to this many days ahead.
	HorizonDays int
	// LeadTime: a slot can be booked until this long before it starts.
	LeadTime time.Duration
	// Release is the time of day at which the day HorizonDays ahead opens
	// for booking (all at once, for everybody: no advantage to scanners).
	Release hours.Clock
	// HoldTTL is how long a hold waits for its code.
	HoldTTL time.Duration
	// CodeAttempts is how many wrong codes end a hold.
	CodeAttempts int
	// Reminders are sent this long before a booked slot.
	Reminders []time.Duration
	// OfferWindow is how long a waitlist entry has to accept a freed slot.
	OfferWindow time.Duration
	// Retention: contact data and concern are deleted this long after the
	// slot ends.
	Retention time.Duration
	// JoinBefore and JoinAfter bound the join link's window: it admits
	// from JoinBefore before the slot's start until JoinAfter after it.
	// A booking not joined by then is a no-show.
	JoinBefore, JoinAfter time.Duration
	// HoldBurst holds per HoldPer from one client address; ContactBurst
	// holds and waitlist entries per ContactPer for one contact.
	HoldBurst    int
	HoldPer      time.Duration
	ContactBurst int
	ContactPer   time.Duration
	// PublicURL prefixes the links in messages, e.g. "https://bb.example".
	PublicURL string
	// Channels are the ways messages can reach a citizen (notify.email,
	// notify.sms); a contact no configured channel reaches is refused, so
	// nobody waits for a code that never comes. Nil accepts every channel
	// (the messages wait in the outbox).
	Channels map[notify.Channel]bool
	// Secret keys the contact hashes, code hashes and join tokens; it must
	// survive restarts (join links in sent messages depend on it).
	Secret []byte
	// Loc is site.time_zone.
	Loc *time.Location
}

// State of an appointment row.
type State string

// States. Held, booked and offered rows occupy a chair (held ones until
// they expire).
const (
	StateUnknown   State = ""
	StateHeld      State = "held"
	StateBooked    State = "booked"
	StateOffered   State = "offered" // a freed chair offered to a waitlist entry
	StateCancelled State = "cancelled"
	StateExpired   State = "expired"
	StateArrived   State = "arrived" // the join link was opened in the window
	StateNoShow    State = "no_show" // the window passed without arrival
)

// Appointment is a hold, a booking or a waitlist offer of one chair.
type Appointment struct {
	ID         string
	Office     string
	Service    string
	Start, End time.Time
	State      State
	Expires    time.Time // held and offered rows
	Channel    notify.Channel
	Contact    string // normalised e-mail address or E.164 number; "" once purged
	ContactKey string // keyed hash of Contact, for "one active booking"
	Lang       string
	// Conversation is the language of the conversation with the clerk,
	// one of the service's languages; "" means Lang.
	Conversation string
	Concern      string
	CodeHash     string
	Attempts     int
	// CancelHash is the hash of the cancel token (booked) or of the accept
	// token (offered).
	CancelHash string
	WaitlistID string
	Sequence   int
	BookedBy   string // clerk login when booked by phone
	Created    time.Time
	Confirmed  time.Time
	Cancelled  time.Time
	// TicketID is the reception ticket of an arrived booking; Arrived is
	// when the join link was first opened in the window.
	TicketID string
	Arrived  time.Time
}

// WaitState of a waitlist entry.
type WaitState string

// Waitlist states.
const (
	WaitUnknown   WaitState = ""
	WaitPending   WaitState = "pending" // code not yet confirmed
	WaitVerified  WaitState = "verified"
	WaitOffered   WaitState = "offered"
	WaitBooked    WaitState = "booked"
	WaitExpired   WaitState = "expired"
	WaitCancelled WaitState = "cancelled"
)

// WaitEntry is a citizen waiting for a freed slot of one service on one day.
type WaitEntry struct {
	ID         string
	Office     string
	Service    string
	Day        string // YYYY-MM-DD in site.time_zone
	State      WaitState
	Channel    notify.Channel
	Contact    string
	ContactKey string
	Lang       string
	CodeHash   string
	Attempts   int
	Expires    time.Time // pending entries
	Created    time.Time
	Verified   time.Time
}

// Problems of booking (messages: appliance/i18n/locales/booking.*.json).
var (
	ErrServiceNotFound = problem.New(problem.KindNotFound, "service_not_found")
	ErrSlotTaken       = problem.New(problem.KindConflict, "slot_taken")
	ErrAlreadyBooked   = problem.New(problem.KindConflict, "already_booked")
	ErrHoldExpired     = problem.New(problem.KindGone, "hold_expired")
	ErrTooManyAttempts = problem.New(problem.KindGone, "code_attempts_exhausted")
	ErrNotFound        = problem.New(problem.KindNotFound, "booking_not_found")
	ErrOfferExpired    = problem.New(problem.KindGone, "offer_expired")
	ErrBadToken        = problem.New(problem.KindUnauthorized, "booking_token_invalid")
	ErrRateLimited     = problem.New(problem.KindRateLimited, "booking_rate_limited")
	ErrOfficeNotFound  = problem.New(problem.KindNotFound, "office_not_found")
	ErrBookingPast     = problem.New(problem.KindGone, "booking_past")
	ErrPoWRequired     = problem.New(problem.KindForbidden, "proof_of_work_failed")
	ErrPoWUnavailable  = problem.New(problem.KindClosed, "proof_of_work_unavailable")
	ErrNotMember       = problem.New(problem.KindForbidden, "not_member")
	ErrWrongCode       = problem.Invalid("code", "code_wrong", nil)
	// ErrCodeFormat: not six digits, most likely a typo; it costs no attempt
	ErrCodeFormat = problem.Invalid("code", "code_format", nil)
)
