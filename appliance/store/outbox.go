package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/notify"
)

var _ notify.Store = (*DB)(nil)

// SetOutboxWaker registers the delivery loop's wake-up (notify.Outbox.Wake),
// called whenever a message is stored.
func (db *DB) SetOutboxWaker(wake func()) { db.outboxWake.Store(&wake) }

// insertOutbox stores a message for delivery at due (now, or later for a
// reminder) in the transaction of the change that causes it, and wakes the
// delivery loop. A message whose dedupe key exists already is not stored
// again (false).
//
// Waking before the commit is safe here: every write, the loop's claim
// included, goes through the one writer connection, so the claim waits
// until this transaction has committed (and finds nothing if it rolled
// back). A store with concurrent writers must wake after the commit.
func (db *DB) insertOutbox(ctx context.Context, tx *sql.Tx, m notify.Message, now, due time.Time) (bool, error) {
	if m.DedupeKey == "" || m.Recipient == "" {
		return false, fmt.Errorf("outbox: message %s without dedupe key or recipient", m.Kind)
	}
	payload, err := json.Marshal(m)
	if err != nil {
		return false, fmt.Errorf("outbox: %w", err)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO outbox (dedupe_key, kind, channel, recipient, lang, payload, created_at, next_attempt)
		VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (dedupe_key) DO NOTHING`,
		m.DedupeKey, string(m.Kind), string(m.Channel), m.Recipient, m.Lang, string(payload), ms(now), ms(due))
	if err != nil {
		return false, fmt.Errorf("outbox: store %s: %w", m.Kind, err)
	}
	n, _ := res.RowsAffected()
	if n == 1 {
		db.wakeOutbox()
	}
	return n == 1, nil
}

func (db *DB) wakeOutbox() {
	if wake := db.outboxWake.Load(); wake != nil {
		(*wake)()
	}
}

// EnqueueOutbox stores one message on its own, due now (a clerk's resend,
// tests); domain changes use insertOutbox inside their transaction.
func (db *DB) EnqueueOutbox(ctx context.Context, m notify.Message, now time.Time) (bool, error) {
	return db.ScheduleOutbox(ctx, m, now, now)
}

// ScheduleOutbox stores one message on its own, due at due.
func (db *DB) ScheduleOutbox(ctx context.Context, m notify.Message, now, due time.Time) (bool, error) {
	var added bool
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		added, err = db.insertOutbox(ctx, tx, m, now, due)
		return err
	})
	return added, err
}

// ClaimOutbox implements notify.Store.
func (db *DB) ClaimOutbox(ctx context.Context, now, leaseUntil time.Time, limit int) ([]notify.Pending, error) {
	var out []notify.Pending
	err := db.tx(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		var unreadable []int64
		rows, err := tx.QueryContext(ctx, `SELECT id, dedupe_key, recipient, payload, created_at, attempts, first_attempt FROM outbox
			WHERE sent_at = 0 AND failed_at = 0 AND next_attempt <= ? ORDER BY next_attempt, id LIMIT ?`, ms(now), limit)
		if err != nil {
			return fmt.Errorf("outbox: claim: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var p notify.Pending
			var payload string
			var created, first int64
			if err := rows.Scan(&p.ID, &p.Message.DedupeKey, &p.Message.Recipient, &payload, &created, &p.Attempts, &first); err != nil {
				return err
			}
			key, rcpt := p.Message.DedupeKey, p.Message.Recipient
			if err := json.Unmarshal([]byte(payload), &p.Message); err != nil {
				unreadable = append(unreadable, p.ID) // given up below; the rest still goes out
				continue
			}
			p.Message.DedupeKey, p.Message.Recipient = key, rcpt
			p.Created, p.FirstAttempt = fromMS(created), fromMS(first)
			if first == 0 {
				p.FirstAttempt = now.UTC()
			}
			out = append(out, p)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		for _, id := range unreadable {
			if _, err := tx.ExecContext(ctx, `UPDATE outbox SET failed_at = ?, last_error = 'unreadable payload' WHERE id = ?`, ms(now), id); err != nil {
				return fmt.Errorf("outbox: give up %d: %w", id, err)
			}
		}
		for _, p := range out {
			if _, err := tx.ExecContext(ctx, `UPDATE outbox SET next_attempt = ?, first_attempt = ?, claimed_at = ? WHERE id = ?`, ms(leaseUntil), ms(p.FirstAttempt), ms(now), p.ID); err != nil {
				return fmt.Errorf("outbox: lease %d: %w", p.ID, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ReleaseOutboxClaims implements notify.Store.
func (db *DB) ReleaseOutboxClaims(ctx context.Context) (int64, error) {
	var n int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE outbox SET next_attempt = claimed_at, claimed_at = 0
			WHERE claimed_at <> 0 AND sent_at = 0 AND failed_at = 0`)
		if err != nil {
			return fmt.Errorf("outbox: release claims: %w", err)
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}

// NextOutboxDue implements notify.Store.
func (db *DB) NextOutboxDue(ctx context.Context) (time.Time, error) {
	var next sql.NullInt64
	err := db.r.QueryRowContext(ctx, `SELECT MIN(next_attempt) FROM outbox WHERE sent_at = 0 AND failed_at = 0`).Scan(&next)
	if err != nil {
		return time.Time{}, fmt.Errorf("outbox: next due: %w", err)
	}
	if !next.Valid {
		return time.Time{}, nil
	}
	return time.UnixMilli(next.Int64).UTC(), nil
}

// MarkOutboxSent implements notify.Store.
func (db *DB) MarkOutboxSent(ctx context.Context, id int64, at time.Time) error {
	return db.outboxUpdate(ctx, `UPDATE outbox SET sent_at = ?, last_error = '', claimed_at = 0 WHERE id = ? AND sent_at = 0`, ms(at), id)
}

// RetryOutbox implements notify.Store.
func (db *DB) RetryOutbox(ctx context.Context, id int64, attempts int, next time.Time, lastErr string) error {
	return db.outboxUpdate(ctx, `UPDATE outbox SET attempts = ?, next_attempt = ?, last_error = ?, claimed_at = 0 WHERE id = ? AND sent_at = 0`, attempts, ms(next), lastErr, id)
}

// FailOutbox implements notify.Store.
func (db *DB) FailOutbox(ctx context.Context, id int64, attempts int, at time.Time, lastErr string) error {
	return db.outboxUpdate(ctx, `UPDATE outbox SET attempts = ?, failed_at = ?, last_error = ?, claimed_at = 0 WHERE id = ? AND sent_at = 0`, attempts, ms(at), lastErr, id)
}

func (db *DB) outboxUpdate(ctx context.Context, q string, args ...any) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("outbox: %w", err)
		}
		return nil
	})
}

// OutboxStatus implements notify.Store. It reads no recipient and no payload.
func (db *DB) OutboxStatus(ctx context.Context, recent int) (notify.Status, error) {
	var s notify.Status
	err := db.r.QueryRowContext(ctx, `SELECT
		COALESCE(SUM(CASE WHEN sent_at = 0 AND failed_at = 0 THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN sent_at <> 0 THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN failed_at <> 0 THEN 1 ELSE 0 END), 0) FROM outbox`).Scan(&s.Pending, &s.Sent, &s.Failed)
	if err != nil {
		return s, fmt.Errorf("outbox: status: %w", err)
	}
	rows, err := db.r.QueryContext(ctx, `SELECT id, kind, channel, attempts, last_error, created_at, next_attempt, failed_at FROM outbox
		WHERE sent_at = 0 AND last_error <> '' ORDER BY id DESC LIMIT ?`, recent)
	if err != nil {
		return s, fmt.Errorf("outbox: status: %w", err)
	}
	defer rows.Close()
	s.Recent = []notify.Problem{}
	for rows.Next() {
		var p notify.Problem
		var created, next, failed int64
		if err := rows.Scan(&p.ID, &p.Kind, &p.Channel, &p.Attempts, &p.LastError, &created, &next, &failed); err != nil {
			return s, err
		}
		p.Created, p.FailedAt = fromMS(created), fromMS(failed)
		if failed == 0 {
			p.NextAttempt = fromMS(next)
		}
		s.Recent = append(s.Recent, p)
	}
	return s, rows.Err()
}

// ScrubOutbox removes the recipient and the content of messages delivered
// or given up before the cutoff; counts and errors stay for the admin view.
func (db *DB) ScrubOutbox(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE outbox SET recipient = '', payload = '{}'
			WHERE recipient <> '' AND ((sent_at <> 0 AND sent_at < ?) OR (failed_at <> 0 AND failed_at < ?))`, ms(before), ms(before))
		if err != nil {
			return fmt.Errorf("outbox: scrub: %w", err)
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}
