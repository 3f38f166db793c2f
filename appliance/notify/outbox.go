package notify

import (
	"context"
	"time"
)

// Pending is an outbox row claimed for delivery.
type Pending struct {
	ID       int64
	Attempts int // failed attempts so far
	Created  time.Time
	// FirstAttempt is when the outbox first claimed it (now, on the first
	// claim); notify.max_age counts from here.
	FirstAttempt time.Time
	Message      Message // with DedupeKey and Recipient from their columns
}

// Status is what admins see of the outbox: counts and the latest errors,
// without recipients or content.
type Status struct {
	Pending int       `json:"pending"`
	Sent    int       `json:"sent"`
	Failed  int       `json:"failed"`
	Recent  []Problem `json:"recent_errors"`
}

// Problem is one message that failed at least once.
type Problem struct {
	ID        int64     `json:"id"`
	Kind      Kind      `json:"kind"`
	Channel   Channel   `json:"channel"`
	Attempts  int       `json:"attempts"`
	LastError string    `json:"last_error"`
	Created   time.Time `json:"created_at"`
	// NextAttempt is zero once the message is given up (FailedAt set).
	NextAttempt time.Time `json:"next_attempt,omitzero"`
	FailedAt    time.Time `json:"failed_at,omitzero"`
}

// Store is the outbox table as the delivery loop needs it (implemented by
// appliance/store). Rows are written by the domain that causes a message,
// in its own transaction; see the migration 0005_outbox.sql.
//
// Claim leases rows: it moves their next_attempt to leaseUntil and marks
// them claimed until the outcome is recorded, so of several delivery loops
// on one database (several nodes) each row is claimed by one. A single
// loop starting up releases the claims a killed process left
// (ReleaseOutboxClaims), so those messages are sent by the next process at
// once, and once; with several nodes (Policy.Shared) they are due again
// when their lease ends. A row with sent_at set is never claimed
// again.
type Store interface {
	// ClaimOutbox returns up to limit due rows (not sent, not failed,
	// next_attempt ≤ now), oldest first, leased until leaseUntil.
	ClaimOutbox(ctx context.Context, now, leaseUntil time.Time, limit int) ([]Pending, error)
	// ReleaseOutboxClaims makes rows claimed by a dead process due again
	// (called once when a loop starts).
	ReleaseOutboxClaims(ctx context.Context) (int64, error)
	// NextOutboxDue is the earliest next_attempt of an open row; zero if
	// there is none.
	NextOutboxDue(ctx context.Context) (time.Time, error)
	// MarkOutboxSent records delivery; it is final.
	MarkOutboxSent(ctx context.Context, id int64, at time.Time) error
	// RetryOutbox records a failed attempt and when to try next.
	RetryOutbox(ctx context.Context, id int64, attempts int, next time.Time, lastErr string) error
	// FailOutbox gives a message up after its last failed attempt.
	FailOutbox(ctx context.Context, id int64, attempts int, at time.Time, lastErr string) error
	// ScrubOutbox deletes recipient and content of the messages sent or
	// given up before the cutoff.
	ScrubOutbox(ctx context.Context, before time.Time) (int64, error)
	// OutboxStatus counts open, sent and failed rows and lists the most
	// recent rows with an error (recent at most).
	OutboxStatus(ctx context.Context, recent int) (Status, error)
}
