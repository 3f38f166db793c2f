package store

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/reception"
)

// Room loads a consultation room.
func (db *DB) Room(ctx context.Context, id string) (reception.Room, error) {
	var r reception.Room
	var created, ended int64
	err := db.r.QueryRowContext(ctx, `SELECT id, ticket_id, office_id, clerk, created_at, ended_at FROM rooms WHERE id = ?`, id).
		Scan(&r.ID, &r.TicketID, &r.OfficeID, &r.Clerk, &created, &ended)
	if errors.Is(err, sql.ErrNoRows) {
		return r, reception.ErrRoomNotFound
	}
	r.CreatedAt, r.EndedAt = fromMS(created), fromMS(ended)
	return r, err
}

// AddMessage stores a chat message (and its file, if any) and the matching
// event. A message whose client ID was seen before in that room from the
// same role is not stored again: the first one is returned with dup=true.
func (db *DB) AddMessage(ctx context.Context, m reception.Message, f *reception.File) (reception.Message, bool, error) {
	if m.ClientID != "" {
		if old, ok, err := db.messageByClientID(ctx, m.RoomID, m.AuthorRole, m.ClientID); err != nil || ok {
			return old, ok, err
		}
	}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		fileID := ""
		if f != nil {
			fileID = f.ID
			if _, err := tx.ExecContext(ctx, `INSERT INTO files (id, room_id, name, type, size, data, at) VALUES (?,?,?,?,?,?,?)`,
				f.ID, m.RoomID, f.Name, f.Type, f.Size, f.Data, ms(m.At)); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO messages (room_id, author_role, author, text, file_id, client_id, at) VALUES (?,?,?,?,?,?,?)`,
			m.RoomID, m.AuthorRole, m.Author, m.Text, fileID, m.ClientID, ms(m.At))
		if err != nil {
			return err
		}
		m.Seq, _ = res.LastInsertId()
		payload, _ := json.Marshal(struct {
			Message reception.Message `json:"message"`
		}{m})
		_, err = tx.ExecContext(ctx, `INSERT INTO events (type, room_id, at, payload) VALUES ('message', ?, ?, ?)`, m.RoomID, ms(m.At), string(payload))
		return err
	})
	if err != nil {
		return m, false, fmt.Errorf("add message: %w", err)
	}
	return m, false, nil
}

func (db *DB) messageByClientID(ctx context.Context, room, role, clientID string) (reception.Message, bool, error) {
	msgs, err := db.queryMessages(ctx, `WHERE m.room_id = ? AND m.author_role = ? AND m.client_id = ?`, room, role, clientID)
	if err != nil || len(msgs) == 0 {
		return reception.Message{}, false, err
	}
	return msgs[0], true, nil
}

// Messages returns a room's messages with seq > after, in order.
func (db *DB) Messages(ctx context.Context, room string, after int64) ([]reception.Message, error) {
	return db.queryMessages(ctx, `WHERE m.room_id = ? AND m.seq > ?`, room, after)
}

func (db *DB) queryMessages(ctx context.Context, where string, args ...any) ([]reception.Message, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT m.seq, m.room_id, m.author_role, m.author, m.text, m.client_id, m.at,
		COALESCE(f.id, ''), COALESCE(f.name, ''), COALESCE(f.size, 0), COALESCE(f.type, '')
		FROM messages m LEFT JOIN files f ON f.id = m.file_id AND m.file_id <> '' `+where+` ORDER BY m.seq`, args...)
	if err != nil {
		return nil, fmt.Errorf("messages: %w", err)
	}
	defer rows.Close()
	var out []reception.Message
	for rows.Next() {
		var m reception.Message
		var at int64
		var f reception.FileRef
		if err := rows.Scan(&m.Seq, &m.RoomID, &m.AuthorRole, &m.Author, &m.Text, &m.ClientID, &at, &f.ID, &f.Name, &f.Size, &f.Type); err != nil {
			return nil, err
		}
		m.At = fromMS(at)
		if f.ID != "" {
			m.File = &f
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// File loads an uploaded file of a room.
func (db *DB) File(ctx context.Context, room, id string) (reception.File, error) {
	var f reception.File
	err := db.r.QueryRowContext(ctx, `SELECT id, room_id, name, type, size, data FROM files WHERE id = ? AND room_id = ?`, id, room).
		Scan(&f.ID, &f.RoomID, &f.Name, &f.Type, &f.Size, &f.Data)
	if errors.Is(err, sql.ErrNoRows) {
		return f, reception.ErrFileNotFound
	}
	return f, err
}

// CreateParticipantToken stores a hashed token for an external participant:
// kind "invite" (single use, redeemed by a person) or "session".
func (db *DB) CreateParticipantToken(ctx context.Context, hash []byte, kind string, p reception.Participant, lang string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO participants (token_hash, room_id, role, identity, language, expires, kind) VALUES (?,?,?,?,?,?,?)`,
			hex.EncodeToString(hash), p.RoomID, p.Role, p.Identity, lang, ms(p.ExpiresAt), kind)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO audit (at, actor, action, detail) VALUES (?,?,?,?)`, ms(time.Now()), p.Identity, "participant_"+kind, "room "+p.RoomID+" role "+p.Role)
		return err
	})
}

// RedeemInvite marks a single-use invite as used and returns it; a second
// redemption or an expired invite fails.
func (db *DB) RedeemInvite(ctx context.Context, hash []byte, now time.Time) (reception.Participant, error) {
	var p reception.Participant
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var exp, used int64
		err := tx.QueryRowContext(ctx, `SELECT room_id, role, identity, expires, used_at FROM participants WHERE token_hash = ? AND kind = 'invite'`, hex.EncodeToString(hash)).
			Scan(&p.RoomID, &p.Role, &p.Identity, &exp, &used)
		if errors.Is(err, sql.ErrNoRows) {
			return reception.ErrInviteInvalid
		}
		if err != nil {
			return err
		}
		if used != 0 || now.After(fromMS(exp)) {
			return reception.ErrInviteInvalid
		}
		p.ExpiresAt = fromMS(exp)
		_, err = tx.ExecContext(ctx, `UPDATE participants SET used_at = ? WHERE token_hash = ?`, ms(now), hex.EncodeToString(hash))
		return err
	})
	return p, err
}

// ParticipantSession resolves a participant session token.
func (db *DB) ParticipantSession(ctx context.Context, hash []byte, now time.Time) (reception.Participant, error) {
	var p reception.Participant
	var exp int64
	err := db.r.QueryRowContext(ctx, `SELECT room_id, role, identity, expires FROM participants WHERE token_hash = ? AND kind = 'session'`, hex.EncodeToString(hash)).
		Scan(&p.RoomID, &p.Role, &p.Identity, &exp)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && now.After(fromMS(exp))) {
		return p, reception.ErrInviteInvalid
	}
	p.ExpiresAt = fromMS(exp)
	return p, err
}

// Events returns up to limit stream events with seq > since.
func (db *DB) Events(ctx context.Context, since int64, limit int) ([]reception.Event, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT seq, type, office_id, room_id, at, payload FROM events WHERE seq > ? ORDER BY seq LIMIT ?`, since, limit)
	if err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	defer rows.Close()
	var out []reception.Event
	for rows.Next() {
		var e reception.Event
		var at int64
		var payload string
		if err := rows.Scan(&e.Seq, &e.Type, &e.OfficeID, &e.RoomID, &at, &payload); err != nil {
			return nil, err
		}
		e.At, e.Payload = fromMS(at), []byte(payload)
		out = append(out, e)
	}
	return out, rows.Err()
}

// AddEvent appends a non-ticket event (presence) to the stream.
func (db *DB) AddEvent(ctx context.Context, typ string, payload []byte) (int64, error) {
	res, err := db.w.ExecContext(ctx, `INSERT INTO events (type, at, payload) VALUES (?, ?, ?)`, typ, ms(time.Now()), string(payload))
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// Purge deletes personal data of tickets that ended before cutoff (names,
// concerns, notes, chat, files, invites) and stream events older than
// eventCutoff. Ticket skeletons stay for statistics; the audit log keeps no
// personal data in the first place.
func (db *DB) Purge(ctx context.Context, cutoff, eventCutoff time.Time) (int64, error) {
	var n int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		c := ms(cutoff)
		res, err := tx.ExecContext(ctx, `UPDATE tickets SET name = '', concern = '', forward_note = '', decline_message = '', purged = 1
			WHERE purged = 0 AND state IN ('ended','declined','abandoned') AND updated_at < ?`, c)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		if _, err := tx.ExecContext(ctx, `DELETE FROM notes WHERE ticket_id IN (SELECT id FROM tickets WHERE purged = 1)`); err != nil {
			return fmt.Errorf("purge notes: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM forwards WHERE ticket_id IN (SELECT id FROM tickets WHERE purged = 1)`); err != nil {
			return fmt.Errorf("purge forwards: %w", err)
		}
		for _, q := range []struct {
			sql string
			at  int64
		}{
			{`DELETE FROM files WHERE room_id IN (SELECT id FROM rooms WHERE ended_at <> 0 AND ended_at < ?)`, c},
			{`DELETE FROM messages WHERE room_id IN (SELECT id FROM rooms WHERE ended_at <> 0 AND ended_at < ?)`, c},
			{`DELETE FROM participants WHERE expires < ?`, c},
			{`DELETE FROM events WHERE at < ?`, ms(eventCutoff)},
			{`DELETE FROM sessions WHERE expires < ?`, ms(time.Now())},
		} {
			if _, err := tx.ExecContext(ctx, q.sql, q.at); err != nil {
				return fmt.Errorf("purge: %w", err)
			}
		}
		return nil
	})
	return n, err
}

// LastEventSeq returns the newest event's sequence number (0 if none).
func (db *DB) LastEventSeq(ctx context.Context) (int64, error) {
	var seq int64
	err := db.r.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM events`).Scan(&seq)
	return seq, err
}
