package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/appointments"
	"github.com/buergerbuero/buergerbuero/appliance/notify"
)

// The appointment book's store: appointments.Store on both dialects. Every
// Tx is a write transaction (tx: SQLite's single writer connection with
// BEGIN IMMEDIATE, PostgreSQL's advisory write lock), so the
// count-then-insert of a hold is serialised with every other writer; the
// rules (who may hold which chair) are the appointments package's, run in
// fn.
var _ appointments.Store = (*DB)(nil)

// Tx runs fn in one write transaction (see appointments.Store).
func (db *DB) Tx(ctx context.Context, fn func(appointments.Tx) error) error {
	return db.tx(ctx, func(tx *sql.Tx) error { return fn(apptTx{ctx, tx, db}) })
}

// Occupancy lists the chairs taken and the adjustments of an office
// overlapping [from, to), read outside a transaction.
func (db *DB) Occupancy(ctx context.Context, office string, from, to, now time.Time) ([]appointments.Span, []appointments.Adjustment, error) {
	return occupancy(ctx, db.r, office, from, to, now)
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// occupying is the condition of a row that takes a chair at now (?).
const occupying = `(state IN ('booked', 'arrived', 'offered') OR (state = 'held' AND expires_at > ?))`

func occupancy(ctx context.Context, q querier, office string, from, to, now time.Time) ([]appointments.Span, []appointments.Adjustment, error) {
	// The lower bound on start_at keeps the index range to the rows that
	// can overlap (none is longer than MaxLength), not every past row the
	// office keeps for its aggregates.
	rows, err := q.QueryContext(ctx, `SELECT start_at, end_at FROM appointments
		WHERE office_id = ? AND start_at < ? AND start_at > ? AND end_at > ? AND `+occupying,
		office, ms(to), ms(from.Add(-appointments.MaxLength)), ms(from), ms(now))
	if err != nil {
		return nil, nil, fmt.Errorf("occupancy of %s: %w", office, err)
	}
	var spans []appointments.Span
	for rows.Next() {
		var s, e int64
		if err := rows.Scan(&s, &e); err != nil {
			rows.Close()
			return nil, nil, err
		}
		spans = append(spans, appointments.Span{Start: fromMS(s), End: fromMS(e)})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	rows, err = q.QueryContext(ctx, `SELECT start_at, end_at, chairs, created_by FROM appointment_capacity
		WHERE office_id = ? AND start_at < ? AND end_at > ? ORDER BY id`, office, ms(to), ms(from))
	if err != nil {
		return nil, nil, fmt.Errorf("capacity of %s: %w", office, err)
	}
	defer rows.Close()
	var adjs []appointments.Adjustment
	for rows.Next() {
		a := appointments.Adjustment{Office: office}
		var s, e int64
		if err := rows.Scan(&s, &e, &a.Chairs, &a.By); err != nil {
			return nil, nil, err
		}
		a.Start, a.End = fromMS(s), fromMS(e)
		adjs = append(adjs, a)
	}
	return spans, adjs, rows.Err()
}

// PurgeAppointments empties the personal data of appointments that ended
// before cutoff and deletes waitlist entries of days before cutoff.
func (db *DB) PurgeAppointments(ctx context.Context, cutoff time.Time) (int, error) {
	var n int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE appointments SET contact = '', contact_key = '', concern = '', code_hash = '',
			cancel_hash = '', purged_at = ? WHERE end_at < ? AND purged_at = 0`, ms(time.Now()), ms(cutoff))
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		res, err = tx.ExecContext(ctx, `DELETE FROM appointment_waitlist WHERE day < ?`, cutoff.Format("2006-01-02"))
		if err != nil {
			return err
		}
		w, _ := res.RowsAffected()
		n += w
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("purge appointments: %w", err)
	}
	return int(n), nil
}

// Day lists an office's booked, arrived, no-show and cancelled
// appointments starting in [from, to), by start.
func (db *DB) Day(ctx context.Context, office string, from, to time.Time) ([]appointments.Appointment, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+apptCols+` FROM appointments WHERE office_id = ? AND start_at >= ? AND start_at < ?
		AND state IN ('booked', 'arrived', 'no_show', 'cancelled') ORDER BY start_at, id`, office, ms(from), ms(to))
	if err != nil {
		return nil, fmt.Errorf("appointments of %s: %w", office, err)
	}
	defer rows.Close()
	var out []appointments.Appointment
	for rows.Next() {
		a, err := scanAppointment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// apptTx implements appointments.Tx on one SQL transaction.
type apptTx struct {
	ctx context.Context
	tx  *sql.Tx
	db  *DB // wakes the outbox's delivery loop
}

func (t apptTx) Occupancy(office string, from, to, now time.Time) ([]appointments.Span, []appointments.Adjustment, error) {
	return occupancy(t.ctx, t.tx, office, from, to, now)
}

func (t apptTx) ActiveFor(key, office, service string, now time.Time) (bool, error) {
	var n int
	err := t.tx.QueryRowContext(t.ctx, `SELECT COUNT(*) FROM appointments WHERE contact_key = ? AND office_id = ? AND service_id = ?
		AND ((state IN ('booked', 'arrived') AND end_at > ?) OR state = 'offered')`, key, office, service, ms(now)).Scan(&n)
	return n > 0, err
}

func (t apptTx) ReleaseHolds(key, office, service string) error {
	_, err := t.tx.ExecContext(t.ctx, `UPDATE appointments SET state = 'expired' WHERE contact_key = ? AND office_id = ? AND service_id = ? AND state = 'held'`,
		key, office, service)
	return err
}

const apptCols = `id, office_id, service_id, start_at, end_at, state, expires_at, channel, contact, contact_key, lang, concern,
	code_hash, attempts, cancel_hash, waitlist_id, sequence, booked_by, created_at, confirmed_at, cancelled_at, ticket_id, arrived_at,
	conversation_lang`

func apptArgs(a appointments.Appointment) []any {
	return []any{a.ID, a.Office, a.Service, ms(a.Start), ms(a.End), string(a.State), ms(a.Expires), string(a.Channel),
		a.Contact, a.ContactKey, a.Lang, a.Concern, a.CodeHash, a.Attempts, a.CancelHash, a.WaitlistID, a.Sequence,
		a.BookedBy, ms(a.Created), ms(a.Confirmed), ms(a.Cancelled), a.TicketID, ms(a.Arrived), a.Conversation}
}

func (t apptTx) Appointment(id string) (appointments.Appointment, error) {
	a, err := scanAppointment(t.tx.QueryRowContext(t.ctx, `SELECT `+apptCols+` FROM appointments WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, appointments.ErrNotFound
	}
	if err != nil {
		return a, fmt.Errorf("appointment %s: %w", id, err)
	}
	return a, nil
}

func scanAppointment(s scanner) (appointments.Appointment, error) {
	var a appointments.Appointment
	var start, end, exp, created, confirmed, cancelled, arrived int64
	var state, channel string
	err := s.Scan(&a.ID, &a.Office, &a.Service, &start, &end, &state, &exp, &channel, &a.Contact, &a.ContactKey, &a.Lang, &a.Concern,
		&a.CodeHash, &a.Attempts, &a.CancelHash, &a.WaitlistID, &a.Sequence, &a.BookedBy, &created, &confirmed, &cancelled,
		&a.TicketID, &arrived, &a.Conversation)
	a.Start, a.End, a.Expires, a.Created, a.Confirmed, a.Cancelled = fromMS(start), fromMS(end), fromMS(exp), fromMS(created), fromMS(confirmed), fromMS(cancelled)
	a.Arrived = fromMS(arrived)
	a.State, a.Channel = appointments.State(state), notify.Channel(channel)
	return a, err
}

// errTooLong guards Occupancy's lower bound (appointments.MaxLength).
var errTooLong = errors.New("appointment longer than appointments.MaxLength")

func (t apptTx) Insert(a appointments.Appointment) error {
	if a.End.Sub(a.Start) > appointments.MaxLength {
		return fmt.Errorf("insert appointment %s: %w", a.ID, errTooLong)
	}
	_, err := t.tx.ExecContext(t.ctx, `INSERT INTO appointments (`+apptCols+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`, apptArgs(a)...)
	if err != nil {
		return fmt.Errorf("insert appointment: %w", err)
	}
	return nil
}

func (t apptTx) Update(a appointments.Appointment) error {
	if a.End.Sub(a.Start) > appointments.MaxLength {
		return fmt.Errorf("update appointment %s: %w", a.ID, errTooLong)
	}
	args := append(apptArgs(a)[1:], a.ID)
	res, err := t.tx.ExecContext(t.ctx, `UPDATE appointments SET office_id=?, service_id=?, start_at=?, end_at=?, state=?, expires_at=?,
		channel=?, contact=?, contact_key=?, lang=?, concern=?, code_hash=?, attempts=?, cancel_hash=?, waitlist_id=?, sequence=?,
		booked_by=?, created_at=?, confirmed_at=?, cancelled_at=?, ticket_id=?, arrived_at=?, conversation_lang=? WHERE id = ?`, args...)
	if err != nil {
		return fmt.Errorf("update appointment %s: %w", a.ID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return appointments.ErrNotFound
	}
	return nil
}

func (t apptTx) ExpiredOffers(now time.Time) ([]appointments.Appointment, error) {
	return t.byIDs(`SELECT id FROM appointments WHERE state = 'offered' AND expires_at <= ? ORDER BY expires_at`, ms(now))
}

func (t apptTx) Overdue(cutoff time.Time) ([]appointments.Appointment, error) {
	return t.byIDs(`SELECT id FROM appointments WHERE state = 'booked' AND start_at < ? ORDER BY start_at`, ms(cutoff))
}

// byIDs loads the appointments whose ids query selects.
func (t apptTx) byIDs(query string, args ...any) ([]appointments.Appointment, error) {
	rows, err := t.tx.QueryContext(t.ctx, query, args...)
	if err != nil {
		return nil, err
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	var out []appointments.Appointment
	for _, id := range ids {
		a, err := t.Appointment(id)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func (t apptTx) AddCapacity(a appointments.Adjustment, at time.Time) error {
	_, err := t.tx.ExecContext(t.ctx, `INSERT INTO appointment_capacity (office_id, start_at, end_at, chairs, created_by, created_at)
		VALUES (?,?,?,?,?,?)`, a.Office, ms(a.Start), ms(a.End), a.Chairs, a.By, ms(at))
	return err
}

// Enqueue writes m into the outbox (migration 0005) in this transaction;
// a message with the same dedupe key is stored once.
func (t apptTx) Enqueue(m notify.Message, due time.Time) error {
	payload, err := json.Marshal(m)
	if err != nil {
		return err
	}
	_, err = t.tx.ExecContext(t.ctx, `INSERT INTO outbox (dedupe_key, kind, channel, recipient, lang, payload, created_at, next_attempt, attempts)
		VALUES (?,?,?,?,?,?,?,?,0) ON CONFLICT (dedupe_key) DO NOTHING`,
		m.DedupeKey, string(m.Kind), string(m.Channel), m.Recipient, m.Lang, string(payload), ms(time.Now()), ms(due))
	if err != nil {
		return fmt.Errorf("enqueue %s: %w", m.Kind, err)
	}
	t.db.wakeOutbox() // safe before the commit: see insertOutbox
	return nil
}

// DropUnsent reads the prefix as a range of the dedupe key's unique
// index ("+sent_at" keeps SQLite from scanning every unsent message, i.e.
// every pending reminder of every booking, through outbox_due instead).
func (t apptTx) DropUnsent(prefix string) error {
	if prefix == "" || prefix[len(prefix)-1] == 0xff {
		_, err := t.tx.ExecContext(t.ctx, `DELETE FROM outbox WHERE sent_at = 0 AND substr(dedupe_key, 1, ?) = ?`, len(prefix), prefix)
		return err
	}
	end := prefix[:len(prefix)-1] + string([]byte{prefix[len(prefix)-1] + 1})
	_, err := t.tx.ExecContext(t.ctx, `DELETE FROM outbox WHERE +sent_at = 0 AND dedupe_key >= ? AND dedupe_key < ?`, prefix, end)
	return err
}

func (t apptTx) Audit(at time.Time, actor, action, office, detail string) error {
	_, err := t.tx.ExecContext(t.ctx, `INSERT INTO audit (at, actor, action, office_id, detail) VALUES (?,?,?,?,?)`, ms(at), actor, action, office, detail)
	return err
}
