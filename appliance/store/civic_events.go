package store

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/audit"
	"github.com/buergerbuero/buergerbuero/appliance/events"
)

var _ events.Store = (*DB)(nil)

const eventCols = `id, office_id, title, host, starts_at, ends_at, service_id, allow_video, stage_slots, speakers, created_at, cancelled_at`

func scanEvent(row interface{ Scan(...any) error }) (events.Event, error) {
	var e events.Event
	var start, end, created, cancelled int64
	var video int
	var speakers string
	err := row.Scan(&e.ID, &e.OfficeID, &e.Title, &e.Host, &start, &end, &e.ServiceID, &video, &e.StageSlots, &speakers, &created, &cancelled)
	if err != nil {
		return e, err
	}
	e.Start, e.End, e.CreatedAt, e.CancelledAt = fromMS(start), fromMS(end), fromMS(created), fromMS(cancelled)
	e.AllowVideo = video != 0
	e.Speakers = []string{}
	if speakers != "" {
		e.Speakers = strings.Split(speakers, ",")
	}
	return e, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// CreateEvent stores a new event and its audit entry.
func (db *DB) CreateEvent(ctx context.Context, e events.Event, entry audit.Entry) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO civic_events (`+eventCols+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`,
			e.ID, e.OfficeID, e.Title, e.Host, ms(e.Start), ms(e.End), e.ServiceID, boolInt(e.AllowVideo), e.StageSlots,
			strings.Join(e.Speakers, ","), ms(e.CreatedAt), ms(e.CancelledAt))
		if err != nil {
			return err
		}
		return insertAudit(ctx, tx, entry)
	})
}

// UpdateEvent stores the changeable fields of an event.
func (db *DB) UpdateEvent(ctx context.Context, e events.Event) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE civic_events SET title=?, starts_at=?, ends_at=?, service_id=?, allow_video=?, stage_slots=?, speakers=?, cancelled_at=? WHERE id=?`,
			e.Title, ms(e.Start), ms(e.End), e.ServiceID, boolInt(e.AllowVideo), e.StageSlots, strings.Join(e.Speakers, ","), ms(e.CancelledAt), e.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return events.ErrNotFound
		}
		return nil
	})
}

// Event returns one event.
func (db *DB) Event(ctx context.Context, id string) (events.Event, error) {
	e, err := scanEvent(db.r.QueryRowContext(ctx, `SELECT `+eventCols+` FROM civic_events WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return e, events.ErrNotFound
	}
	return e, err
}

// UpcomingEvents lists events not cancelled and not over, by start.
func (db *DB) UpcomingEvents(ctx context.Context, office string, now time.Time) ([]events.Event, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+eventCols+` FROM civic_events WHERE cancelled_at = 0 AND ends_at > ? AND (? = '' OR office_id = ?) ORDER BY starts_at, id`, ms(now), office, office)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []events.Event{}
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// AddEventMember stores a viewer, speaker session or invite under its token hash.
func (db *DB) AddEventMember(ctx context.Context, hash []byte, m events.Member) error {
	_, err := db.w.ExecContext(ctx, `INSERT INTO event_members (token_hash, id, event_id, kind, expires) VALUES (?,?,?,?,?)`,
		hex.EncodeToString(hash), m.ID, m.EventID, m.Kind, ms(m.Expires))
	return err
}

const memberCols = `id, event_id, kind, expires, hand_at, on_stage`

func scanMember(row interface{ Scan(...any) error }) (events.Member, error) {
	var m events.Member
	var exp, hand int64
	var stage int
	err := row.Scan(&m.ID, &m.EventID, &m.Kind, &exp, &hand, &stage)
	m.Expires, m.HandAt, m.OnStage = fromMS(exp), fromMS(hand), stage != 0
	return m, err
}

// EventMember resolves a viewer or speaker session token.
func (db *DB) EventMember(ctx context.Context, hash []byte, now time.Time) (events.Member, error) {
	m, err := scanMember(db.r.QueryRowContext(ctx, `SELECT `+memberCols+` FROM event_members WHERE token_hash = ? AND kind IN ('viewer','speaker')`, hex.EncodeToString(hash)))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && now.After(m.Expires)) {
		return events.Member{}, events.ErrBadSession
	}
	return m, err
}

// RedeemSpeakerInvite uses an external speaker's invite once.
func (db *DB) RedeemSpeakerInvite(ctx context.Context, hash, sessionHash []byte, session events.Member, now time.Time) (events.Member, error) {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var used int64
		var inv events.Member
		var exp, hand int64
		var stage int
		err := tx.QueryRowContext(ctx, `SELECT `+memberCols+`, used_at FROM event_members WHERE token_hash = ? AND kind = 'invite'`, hex.EncodeToString(hash)).
			Scan(&inv.ID, &inv.EventID, &inv.Kind, &exp, &hand, &stage, &used)
		if errors.Is(err, sql.ErrNoRows) {
			return events.ErrInviteInvalid
		}
		if err != nil {
			return err
		}
		if used != 0 || now.After(fromMS(exp)) {
			return events.ErrInviteInvalid
		}
		if _, err := tx.ExecContext(ctx, `UPDATE event_members SET used_at = ? WHERE token_hash = ?`, ms(now), hex.EncodeToString(hash)); err != nil {
			return err
		}
		session.EventID, session.Expires = inv.EventID, fromMS(exp)
		_, err = tx.ExecContext(ctx, `INSERT INTO event_members (token_hash, id, event_id, kind, expires) VALUES (?,?,?,?,?)`,
			hex.EncodeToString(sessionHash), session.ID, session.EventID, events.KindSpeaker, ms(session.Expires))
		return err
	})
	return session, err
}

// ExternalSpeakers counts unexpired speaker sessions and open invites; a
// redeemed invite counts through its session only.
func (db *DB) ExternalSpeakers(ctx context.Context, event string, now time.Time) (int, error) {
	var n int
	err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM event_members WHERE event_id = ? AND expires > ? AND (kind = 'speaker' OR (kind = 'invite' AND used_at = 0))`, event, ms(now)).Scan(&n)
	return n, err
}

// SetEventHand raises or lowers a viewer's hand.
func (db *DB) SetEventHand(ctx context.Context, event, member string, at time.Time) error {
	res, err := db.w.ExecContext(ctx, `UPDATE event_members SET hand_at = ? WHERE event_id = ? AND id = ? AND kind = 'viewer'`, ms(at), event, member)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return events.ErrNotViewer
	}
	return nil
}

// SetEventStage moves a viewer on stage (bounded by max) or back.
func (db *DB) SetEventStage(ctx context.Context, event, member string, on bool, max int) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		var stage int
		err := tx.QueryRowContext(ctx, `SELECT on_stage FROM event_members WHERE event_id = ? AND id = ? AND kind = 'viewer'`, event, member).Scan(&stage)
		if errors.Is(err, sql.ErrNoRows) {
			return events.ErrNotViewer
		}
		if err != nil {
			return err
		}
		if on && stage == 0 {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM event_members WHERE event_id = ? AND on_stage = 1`, event).Scan(&n); err != nil {
				return err
			}
			if n >= max {
				return events.ErrStageFull.With("", map[string]any{"Max": max})
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE event_members SET on_stage = ?, hand_at = 0 WHERE event_id = ? AND id = ?`, boolInt(on), event, member)
		return err
	})
}

// EventAudience lists the members with a raised hand or on stage, hands in
// the order raised.
func (db *DB) EventAudience(ctx context.Context, event string) ([]events.Member, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+memberCols+` FROM event_members WHERE event_id = ? AND (hand_at != 0 OR on_stage = 1) ORDER BY hand_at, id`, event)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []events.Member
	for rows.Next() {
		m, err := scanMember(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// AddEventQuestion stores a pending question within the viewer's limits.
func (db *DB) AddEventQuestion(ctx context.Context, q events.Question, since time.Time, burst, maxPending int) (events.Question, error) {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var recent, pending int
		err := tx.QueryRowContext(ctx, `SELECT COUNT(CASE WHEN asked_at > ? THEN 1 END), COUNT(CASE WHEN state = 'pending' THEN 1 END) FROM event_questions WHERE event_id = ? AND member_id = ?`,
			ms(since), q.EventID, q.Viewer).Scan(&recent, &pending)
		if err != nil {
			return err
		}
		if recent >= burst || pending >= maxPending {
			return events.ErrTooMany
		}
		return tx.QueryRowContext(ctx, `INSERT INTO event_questions (event_id, member_id, text, state, asked_at) VALUES (?,?,?,?,?) RETURNING id`,
			q.EventID, q.Viewer, q.Text, q.State, ms(q.AskedAt)).Scan(&q.ID)
	})
	return q, err
}

const questionCols = `id, event_id, member_id, text, state, asked_at, decided_at, decided_by`

func scanQuestion(row interface{ Scan(...any) error }) (events.Question, error) {
	var q events.Question
	var asked, decided int64
	err := row.Scan(&q.ID, &q.EventID, &q.Viewer, &q.Text, &q.State, &asked, &decided, &q.DecidedBy)
	q.AskedAt, q.DecidedAt = fromMS(asked), fromMS(decided)
	return q, err
}

// DecideEventQuestion approves or rejects a pending question.
func (db *DB) DecideEventQuestion(ctx context.Context, event string, id int64, state, by string, at time.Time) (events.Question, error) {
	var q events.Question
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		q, err = scanQuestion(tx.QueryRowContext(ctx, `SELECT `+questionCols+` FROM event_questions WHERE event_id = ? AND id = ?`, event, id))
		if errors.Is(err, sql.ErrNoRows) {
			return events.ErrNoQuestion
		}
		if err != nil {
			return err
		}
		if q.State != events.Pending {
			return events.ErrDecided
		}
		q.State, q.DecidedAt, q.DecidedBy = state, at, by
		_, err = tx.ExecContext(ctx, `UPDATE event_questions SET state = ?, decided_at = ?, decided_by = ? WHERE id = ?`, state, ms(at), by, id)
		return err
	})
	return q, err
}

// EventQuestions lists an event's questions (of one state, or all).
func (db *DB) EventQuestions(ctx context.Context, event, state string) ([]events.Question, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+questionCols+` FROM event_questions WHERE event_id = ? AND (? = '' OR state = ?) ORDER BY id`, event, state, state)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []events.Question
	for rows.Next() {
		q, err := scanQuestion(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, q)
	}
	return out, rows.Err()
}
