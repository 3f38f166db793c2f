package appointments

import (
	"context"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/notify"
)

// Span is a chair taken in [Start, End).
type Span struct{ Start, End time.Time }

// MaxLength bounds every appointment: slots are cut from one day's
// opening hours or a clerk's window in the service's length (at most 8h,
// appliance/config). Occupancy relies on it to read only the rows that
// start after from − MaxLength instead of an office's whole history.
const MaxLength = 24 * time.Hour

// Adjustment is a clerk's change to the capacity of an office in
// [Start, End): Chairs < 0 blocks chairs, Chairs > 0 adds them.
type Adjustment struct {
	Office     string
	Start, End time.Time
	Chairs     int
	By         string
}

// Store persists appointments (appliance/store/appointments*.go, on SQLite
// and PostgreSQL alike; the contract suite runs on both).
//
// Atomicity: Tx runs fn in one write transaction that is serialisable
// with every other Tx of every process sharing the store (SQLite: BEGIN
// IMMEDIATE on the single writer connection; PostgreSQL: a transaction-
// scoped advisory lock every write transaction takes first, so writers of
// all nodes run one after the other). Everything fn reads through the Tx is
// the committed state no other Tx can change before fn returns, so a
// count-then-insert in fn is race-free. Nothing fn wrote — appointment rows,
// outbox messages, audit entries — is kept if fn or the commit fails; all
// of it is kept once Tx returns nil. fn must not block on anything else.
//
// Reads outside Tx (Occupancy) may be stale by the time they return; they
// only serve the calendar, never a decision.
//
// Implementations must be safe for concurrent use.
type Store interface {
	Tx(ctx context.Context, fn func(Tx) error) error
	// Occupancy lists the chairs taken (rows that occupy a chair at now)
	// and the adjustments of an office that overlap [from, to). Rows are
	// never longer than MaxLength (Tx.Insert and Tx.Update refuse them).
	Occupancy(ctx context.Context, office string, from, to, now time.Time) ([]Span, []Adjustment, error)
	// PurgeAppointments empties contact data, concern and hashes of every
	// appointment that ended before cutoff and deletes the waitlist entries
	// of days before cutoff's date (in cutoff's location, site.time_zone);
	// states and times stay for the aggregates. It
	// returns the number of rows changed.
	PurgeAppointments(ctx context.Context, cutoff time.Time) (int, error)
	// Day lists the booked, arrived, no-show and cancelled appointments
	// of an office that start in [from, to), by start.
	Day(ctx context.Context, office string, from, to time.Time) ([]Appointment, error)
}

// Tx is the view of one Store transaction.
type Tx interface {
	// Occupancy is Store.Occupancy inside the transaction.
	Occupancy(office string, from, to, now time.Time) ([]Span, []Adjustment, error)
	// ActiveFor reports whether the contact key has a booking that has not
	// ended or an offer for the office and service.
	ActiveFor(contactKey, office, service string, now time.Time) (bool, error)
	// ReleaseHolds ends the contact key's holds for the office and service
	// (a new hold replaces an unconfirmed one).
	ReleaseHolds(contactKey, office, service string) error
	Appointment(id string) (Appointment, error) // ErrNotFound
	// Insert adds a new appointment row; Update replaces an existing one.
	Insert(a Appointment) error
	Update(a Appointment) error
	// ExpiredOffers lists offered rows whose window ended before now.
	ExpiredOffers(now time.Time) ([]Appointment, error)
	// Overdue lists booked rows (not arrived) that started before cutoff.
	Overdue(cutoff time.Time) ([]Appointment, error)

	// Waiting returns the first verified waitlist entry of the office,
	// service and day (by verification time), false if there is none.
	Waiting(office, service, day string) (WaitEntry, bool, error)
	WaitEntry(id string) (WaitEntry, error) // ErrNotFound
	InsertWait(w WaitEntry) error
	UpdateWait(w WaitEntry) error

	AddCapacity(a Adjustment, at time.Time) error

	// Enqueue stores m in the outbox, due at due.
	Enqueue(m notify.Message, due time.Time) error
	// DropUnsent deletes outbox messages not yet sent whose dedupe key
	// starts with prefix (the reminders of a cancelled booking).
	DropUnsent(prefix string) error
	// Audit records an action without personal data.
	Audit(at time.Time, actor, action, office, detail string) error
}
