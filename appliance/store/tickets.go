package store

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/problem"
	"github.com/buergerbuero/buergerbuero/appliance/reception"
)

var _ reception.Store = (*DB)(nil)

const ticketCols = `id, office_id, number, day, token_hash, name, concern, language, state, knocked_at, updated_at,
	called_at, started_at, ended_at, clerk, reserved_for, forwarded_from, forward_note, decline_message, room_id, estimate_ms,
	appointment_id, appointment_at, service`

type scanner interface{ Scan(...any) error }

func scanTicket(s scanner) (reception.Ticket, error) {
	var t reception.Ticket
	var tok, state string
	var knocked, updated, called, started, ended, est, appt int64
	err := s.Scan(&t.ID, &t.OfficeID, &t.Number, &t.Day, &tok, &t.Name, &t.Concern, &t.Language, &state, &knocked, &updated,
		&called, &started, &ended, &t.Clerk, &t.ReservedFor, &t.ForwardedFrom, &t.ForwardNote, &t.DeclineMessage, &t.RoomID, &est,
		&t.AppointmentID, &appt, &t.Service)
	if err != nil {
		return t, err
	}
	t.TokenHash, _ = hex.DecodeString(tok)
	t.State = reception.State(state)
	t.KnockedAt, t.UpdatedAt, t.CalledAt, t.StartedAt, t.EndedAt = fromMS(knocked), fromMS(updated), fromMS(called), fromMS(started), fromMS(ended)
	t.Estimate = time.Duration(est) * time.Millisecond
	t.AppointmentAt = fromMS(appt)
	return t, nil
}

// CreateTicket stores a new ticket with the next number of its office and
// day, unless the office's queue already holds maxQueue tickets, and
// persists what knock decides for it (reception.Store).
func (db *DB) CreateTicket(ctx context.Context, t *reception.Ticket, maxQueue int, knock reception.Transition) (reception.Change, error) {
	var ch reception.Change
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM tickets WHERE office_id = ? AND state IN ('waiting','returned','forwarded')`, t.OfficeID).Scan(&n); err != nil {
			return err
		}
		if n >= maxQueue {
			return reception.ErrQueueFull
		}
		var next int
		var last int64
		err := tx.QueryRowContext(ctx, `SELECT next, last_knock FROM counters WHERE office_id = ? AND day = ?`, t.OfficeID, t.Day).Scan(&next, &last)
		// knock order is commit order, also across nodes with clocks apart
		if ms(t.KnockedAt) <= last {
			t.KnockedAt = fromMS(last + 1)
			t.UpdatedAt = t.KnockedAt
		}
		if errors.Is(err, sql.ErrNoRows) {
			next = 1
			_, err = tx.ExecContext(ctx, `INSERT INTO counters (office_id, day, next, last_knock) VALUES (?, ?, 2, ?)`, t.OfficeID, t.Day, ms(t.KnockedAt))
		} else if err == nil {
			_, err = tx.ExecContext(ctx, `UPDATE counters SET next = next + 1, last_knock = ? WHERE office_id = ? AND day = ?`, ms(t.KnockedAt), t.OfficeID, t.Day)
		}
		if err != nil {
			return err
		}
		t.Number = reception.FormatNumber(t.Number, next)
		out, err := knock(ctx, *t, txFacts{tx})
		if err != nil {
			return err
		}
		*t = out.Change.Ticket
		if err := insertTicket(ctx, tx, t); err != nil {
			return err
		}
		ch, err = db.persist(ctx, tx, out)
		return err
	})
	if err != nil {
		return ch, fmt.Errorf("create ticket: %w", err)
	}
	return ch, nil
}

func insertTicket(ctx context.Context, tx *sql.Tx, t *reception.Ticket) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO tickets (`+ticketCols+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		t.ID, t.OfficeID, t.Number, t.Day, hex.EncodeToString(t.TokenHash), t.Name, t.Concern, t.Language, string(t.State),
		ms(t.KnockedAt), ms(t.UpdatedAt), ms(t.CalledAt), ms(t.StartedAt), ms(t.EndedAt), t.Clerk, t.ReservedFor,
		t.ForwardedFrom, t.ForwardNote, t.DeclineMessage, t.RoomID, t.Estimate.Milliseconds(), t.AppointmentID, ms(t.AppointmentAt), t.Service)
	return err
}

// Apply loads the ticket in a write transaction, lets step decide the
// change and persists its Outcome: the ticket only if its state is still
// the one loaded (else a conflict), and every row the Outcome names with
// it (reception.Store).
func (db *DB) Apply(ctx context.Context, id string, step reception.Transition) (reception.Change, error) {
	var ch reception.Change
	act := reception.Action("apply")
	err := db.tx(ctx, func(tx *sql.Tx) error {
		t, err := scanTicket(tx.QueryRowContext(ctx, `SELECT `+ticketCols+` FROM tickets WHERE id = ?`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return reception.ErrTicketNotFound
		}
		if err != nil {
			return err
		}
		out, err := step(ctx, t, txFacts{tx})
		if err != nil {
			return err
		}
		act = out.Change.Action
		n := out.Change.Ticket
		if n.ID != t.ID || out.Change.Before != t.State {
			return problem.New(problem.KindConflict, "changed")
		}
		res, err := tx.ExecContext(ctx, `UPDATE tickets SET office_id=?, state=?, updated_at=?, called_at=?, started_at=?, ended_at=?, clerk=?,
			reserved_for=?, forwarded_from=?, forward_note=?, decline_message=?, room_id=?, estimate_ms=? WHERE id = ? AND state = ?`,
			n.OfficeID, string(n.State), ms(n.UpdatedAt), ms(n.CalledAt), ms(n.StartedAt), ms(n.EndedAt), n.Clerk, n.ReservedFor,
			n.ForwardedFrom, n.ForwardNote, n.DeclineMessage, n.RoomID, n.Estimate.Milliseconds(), n.ID, string(out.Change.Before))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return problem.New(problem.KindConflict, "changed")
		}
		ch, err = db.persist(ctx, tx, out)
		return err
	})
	if err != nil {
		return ch, fmt.Errorf("%s ticket %s: %w", act, id, err)
	}
	return ch, nil
}

// persist writes the rows of an Outcome beside its ticket, in the
// ticket's transaction, and returns its Change with the event's sequence
// number.
func (db *DB) persist(ctx context.Context, tx *sql.Tx, out reception.Outcome) (reception.Change, error) {
	ch := out.Change
	t := ch.Ticket
	if f := out.Forward; f != nil {
		if err := insertForward(ctx, tx, t.ID, *f); err != nil {
			return ch, err
		}
	}
	if r := out.OpenRoom; r != nil {
		if _, err := tx.ExecContext(ctx, `INSERT INTO rooms (id, kind, ticket_id, office_id, clerk, created_at) VALUES (?,?,?,?,?,?)`,
			r.ID, r.Kind, r.TicketID, r.OfficeID, r.Clerk, ms(r.CreatedAt)); err != nil {
			return ch, err
		}
	}
	if out.EndRoom != "" {
		if _, err := tx.ExecContext(ctx, `UPDATE rooms SET ended_at = ? WHERE id = ? AND ended_at = 0`, ms(out.EndedAt), out.EndRoom); err != nil {
			return ch, err
		}
	}
	if h := out.Handling; h != nil {
		if _, err := tx.ExecContext(ctx, `INSERT INTO handling (office_id, ended_at, ms) VALUES (?,?,?)`,
			h.OfficeID, ms(h.EndedAt), h.Duration.Milliseconds()); err != nil {
			return ch, err
		}
	}
	if out.DropConnections {
		if _, err := tx.ExecContext(ctx, `DELETE FROM connections WHERE ticket_id = ?`, t.ID); err != nil {
			return ch, err
		}
	}
	if !out.Disconnected.IsZero() {
		if _, err := tx.ExecContext(ctx, `INSERT INTO connections (ticket_id, disconnected_at) VALUES (?, ?)
			ON CONFLICT (ticket_id) DO UPDATE SET disconnected_at = excluded.disconnected_at`, t.ID, ms(out.Disconnected)); err != nil {
			return ch, err
		}
	}
	// the usage figures count in the change's transaction (stats.go)
	if err := addTallies(ctx, tx, out.Tallies); err != nil {
		return ch, err
	}
	now := ms(time.Now())
	err := tx.QueryRowContext(ctx, `INSERT INTO events (type, office_id, room_id, at, payload, node) VALUES ('ticket', ?, ?, ?, ?, ?) RETURNING seq`,
		t.OfficeID, t.RoomID, now, string(out.Event), db.node).Scan(&ch.Seq)
	if err != nil {
		return ch, err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO audit (at, actor, action, ticket_id, office_id, detail) VALUES (?,?,?,?,?,?)`,
		now, ch.Actor, out.Audit.Action, t.ID, t.OfficeID, out.Audit.Detail)
	return ch, err
}

// Ticket loads one ticket with its notes.
func (db *DB) Ticket(ctx context.Context, id string) (reception.Ticket, error) {
	t, err := scanTicket(db.r.QueryRowContext(ctx, `SELECT `+ticketCols+` FROM tickets WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return t, reception.ErrTicketNotFound
	}
	if err != nil {
		return t, fmt.Errorf("load ticket: %w", err)
	}
	if t.Notes, err = db.notes(ctx, id); err != nil {
		return t, err
	}
	t.Forwards, err = db.forwards(ctx, id)
	return t, err
}

// TicketByNumber finds a ticket by its number on a day ("B-017", "2026-11-21").
func (db *DB) TicketByNumber(ctx context.Context, number, day string) (reception.Ticket, error) {
	var id string
	err := db.r.QueryRowContext(ctx, `SELECT id FROM tickets WHERE number = ? AND day = ? ORDER BY knocked_at DESC LIMIT 1`, strings.ToUpper(number), day).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return reception.Ticket{}, reception.ErrTicketNotFound
	}
	if err != nil {
		return reception.Ticket{}, err
	}
	return db.Ticket(ctx, id)
}

// ActiveTickets returns every ticket that is queued, called or in consultation.
func (db *DB) ActiveTickets(ctx context.Context) ([]reception.Ticket, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+ticketCols+` FROM tickets WHERE state IN ('waiting','returned','forwarded','called','in_consultation') ORDER BY knocked_at, id`)
	if err != nil {
		return nil, fmt.Errorf("active tickets: %w", err)
	}
	defer rows.Close()
	var out []reception.Ticket
	for rows.Next() {
		t, err := scanTicket(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// AddNote appends an internal note to a ticket.
func (db *DB) AddNote(ctx context.Context, ticketID string, n reception.Note) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO notes (ticket_id, author, text, at) VALUES (?,?,?,?)`, ticketID, n.Author, n.Text, ms(n.At)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO audit (at, actor, action, ticket_id) VALUES (?,?,?,?)`, ms(n.At), n.Author, "note", ticketID)
		return err
	})
}

func (db *DB) notes(ctx context.Context, ticketID string) ([]reception.Note, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT author, text, at FROM notes WHERE ticket_id = ? ORDER BY id`, ticketID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []reception.Note
	for rows.Next() {
		var n reception.Note
		var at int64
		if err := rows.Scan(&n.Author, &n.Text, &at); err != nil {
			return nil, err
		}
		n.At = fromMS(at)
		out = append(out, n)
	}
	return out, rows.Err()
}

// SetDisconnected records when a ticket's last live connection dropped
// (zero time: connected again).
func (db *DB) SetDisconnected(ctx context.Context, ticketID string, at time.Time) error {
	var err error
	if at.IsZero() {
		_, err = db.w.ExecContext(ctx, `DELETE FROM connections WHERE ticket_id = ?`, ticketID)
	} else {
		_, err = db.w.ExecContext(ctx, `INSERT INTO connections (ticket_id, disconnected_at) VALUES (?, ?)
			ON CONFLICT (ticket_id) DO UPDATE SET disconnected_at = excluded.disconnected_at`, ticketID, ms(at))
	}
	return err
}

// Disconnected lists tickets without a live connection and since when.
func (db *DB) Disconnected(ctx context.Context) (map[string]time.Time, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT ticket_id, disconnected_at FROM connections`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var id string
		var at int64
		if err := rows.Scan(&id, &at); err != nil {
			return nil, err
		}
		out[id] = fromMS(at)
	}
	return out, rows.Err()
}

// ResetDisconnected gives every tracked ticket a fresh grace period from
// now: the server's own downtime must not cost a citizen the place.
func (db *DB) ResetDisconnected(ctx context.Context, now time.Time) error {
	_, err := db.w.ExecContext(ctx, `UPDATE connections SET disconnected_at = ?`, ms(now))
	return err
}

// HandlingSamples returns consultation durations of an office that ended after since.
func (db *DB) HandlingSamples(ctx context.Context, since time.Time) ([]reception.Sample, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT office_id, ended_at, ms FROM handling WHERE ended_at > ? ORDER BY ended_at`, ms(since))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []reception.Sample
	for rows.Next() {
		var s reception.Sample
		var at, d int64
		if err := rows.Scan(&s.OfficeID, &at, &d); err != nil {
			return nil, err
		}
		s.EndedAt, s.Duration = fromMS(at), time.Duration(d)*time.Millisecond
		out = append(out, s)
	}
	return out, rows.Err()
}
