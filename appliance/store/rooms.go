package store

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/audit"
	"github.com/buergerbuero/buergerbuero/appliance/consultation"
)

// The rooms, their staff members, messages, files and participant tokens:
// DB implements consultation.Store (the guarantees are documented there).
var _ consultation.Store = (*DB)(nil)

// Room loads a room.
func (db *DB) Room(ctx context.Context, id string) (consultation.Room, error) {
	var r consultation.Room
	var created, ended int64
	err := db.r.QueryRowContext(ctx, `SELECT id, kind, ticket_id, office_id, clerk, created_at, ended_at FROM rooms WHERE id = ?`, id).
		Scan(&r.ID, &r.Kind, &r.TicketID, &r.OfficeID, &r.Clerk, &created, &ended)
	if errors.Is(err, sql.ErrNoRows) {
		return r, consultation.ErrRoomNotFound
	}
	if err != nil {
		return r, err
	}
	r.CreatedAt, r.EndedAt = fromMS(created), fromMS(ended)
	rows, err := db.r.QueryContext(ctx, `SELECT login FROM room_members WHERE room_id = ? ORDER BY at, login`, id)
	if err != nil {
		return r, fmt.Errorf("room members: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var login string
		if err := rows.Scan(&login); err != nil {
			return r, err
		}
		r.Members = append(r.Members, login)
	}
	return r, rows.Err()
}

// AddRoomMember makes a member of staff a participant of a consultation and
// writes the consultation's audit entry in the same transaction.
func (db *DB) AddRoomMember(ctx context.Context, r consultation.Room, login, kind, addedBy string, at time.Time, entry audit.Entry) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO room_members (room_id, login, kind, added_by, at) VALUES (?,?,?,?,?)
			ON CONFLICT (room_id, login) DO NOTHING`, r.ID, login, kind, addedBy, ms(at)); err != nil {
			return fmt.Errorf("add room member: %w", err)
		}
		return insertAudit(ctx, tx, entry)
	})
}

// AddMessage stores a chat message (and its file, if any) and the matching
// event. A message whose client ID was seen before in that room from the
// same role is not stored again: the first one is returned with dup=true.
func (db *DB) AddMessage(ctx context.Context, m consultation.Message, f *consultation.File) (consultation.Message, bool, error) {
	if m.ClientID != "" {
		if old, ok, err := db.messageByClientID(ctx, m.RoomID, m.AuthorRole, m.ClientID); err != nil || ok {
			return old, ok, err
		}
	}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		fileID := ""
		if f != nil {
			fileID = f.ID
			if _, err := tx.ExecContext(ctx, `INSERT INTO files (id, room_id, name, type, size, data, at, uploader_role, uploader) VALUES (?,?,?,?,?,?,?,?,?)`,
				f.ID, m.RoomID, f.Name, f.Type, f.Size, f.Data, ms(m.At), f.UploaderRole, f.Uploader); err != nil {
				return err
			}
		}
		var err error
		m.Seq, err = insertMessage(ctx, tx, m, fileID)
		return err
	})
	if err != nil {
		return m, false, fmt.Errorf("add message: %w", err)
	}
	return m, false, nil
}

// insertMessage stores a message and its event in tx and returns its seq.
func insertMessage(ctx context.Context, tx *sql.Tx, m consultation.Message, fileID string) (int64, error) {
	var seq int64
	err := tx.QueryRowContext(ctx, `INSERT INTO messages (room_id, author_role, author, text, file_id, client_id, at) VALUES (?,?,?,?,?,?,?) RETURNING seq`,
		m.RoomID, m.AuthorRole, m.Author, m.Text, fileID, m.ClientID, ms(m.At)).Scan(&seq)
	if err != nil {
		return 0, err
	}
	payload := consultation.MessageEvent(seq, m.RoomID)
	_, err = tx.ExecContext(ctx, `INSERT INTO events (type, room_id, at, payload) VALUES ('message', ?, ?, ?)`, m.RoomID, ms(m.At), string(payload))
	return seq, err
}

// Message loads one chat message of a room.
func (db *DB) Message(ctx context.Context, room string, seq int64) (consultation.Message, error) {
	msgs, err := db.queryMessages(ctx, `WHERE m.room_id = ? AND m.seq = ?`, room, seq)
	if err != nil {
		return consultation.Message{}, err
	}
	if len(msgs) == 0 {
		return consultation.Message{}, consultation.ErrMessageNotFound
	}
	return msgs[0], nil
}

func (db *DB) messageByClientID(ctx context.Context, room, role, clientID string) (consultation.Message, bool, error) {
	msgs, err := db.queryMessages(ctx, `WHERE m.room_id = ? AND m.author_role = ? AND m.client_id = ?`, room, role, clientID)
	if err != nil || len(msgs) == 0 {
		return consultation.Message{}, false, err
	}
	return msgs[0], true, nil
}

// Messages returns a room's messages with seq > after, in order.
func (db *DB) Messages(ctx context.Context, room string, after int64) ([]consultation.Message, error) {
	return db.queryMessages(ctx, `WHERE m.room_id = ? AND m.seq > ?`, room, after)
}

func (db *DB) queryMessages(ctx context.Context, where string, args ...any) ([]consultation.Message, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT m.seq, m.room_id, m.author_role, m.author, m.text, m.client_id, m.at,
		COALESCE(f.id, ''), COALESCE(f.name, ''), COALESCE(f.size, 0), COALESCE(f.type, ''), COALESCE(f.deleted_at, 0)
		FROM messages m LEFT JOIN files f ON f.id = m.file_id AND m.file_id <> '' `+where+` ORDER BY m.seq`, args...)
	if err != nil {
		return nil, fmt.Errorf("messages: %w", err)
	}
	defer rows.Close()
	var out []consultation.Message
	for rows.Next() {
		var m consultation.Message
		var at int64
		var f consultation.FileRef
		var deleted int64
		if err := rows.Scan(&m.Seq, &m.RoomID, &m.AuthorRole, &m.Author, &m.Text, &m.ClientID, &at, &f.ID, &f.Name, &f.Size, &f.Type, &deleted); err != nil {
			return nil, err
		}
		m.At, f.Deleted = fromMS(at), deleted != 0
		if f.ID != "" {
			m.File = &f
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// CreateParticipantToken stores a hashed token for an external participant:
// kind "invite" (single use, redeemed by a person) or "session", with the
// consultation's audit entry.
func (db *DB) CreateParticipantToken(ctx context.Context, hash []byte, kind string, p consultation.Participant, entry audit.Entry) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO participants (token_hash, room_id, role, identity, name, language, expires, kind) VALUES (?,?,?,?,?,?,?,?)`,
			hex.EncodeToString(hash), p.RoomID, p.Role, p.Identity, p.Name, p.Language, ms(p.ExpiresAt), kind)
		if err != nil {
			return err
		}
		return insertAudit(ctx, tx, entry)
	})
}

// RedeemInvite marks a single-use invite as used and returns it; a second
// redemption or an expired invite fails.
func (db *DB) RedeemInvite(ctx context.Context, hash []byte, now time.Time) (consultation.Participant, error) {
	var p consultation.Participant
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var exp, used int64
		err := tx.QueryRowContext(ctx, `SELECT room_id, role, identity, name, language, expires, used_at FROM participants WHERE token_hash = ? AND kind = 'invite'`, hex.EncodeToString(hash)).
			Scan(&p.RoomID, &p.Role, &p.Identity, &p.Name, &p.Language, &exp, &used)
		if errors.Is(err, sql.ErrNoRows) {
			return consultation.ErrInviteInvalid
		}
		if err != nil {
			return err
		}
		if used != 0 || now.After(fromMS(exp)) {
			return consultation.ErrInviteInvalid
		}
		p.ExpiresAt = fromMS(exp)
		_, err = tx.ExecContext(ctx, `UPDATE participants SET used_at = ? WHERE token_hash = ?`, ms(now), hex.EncodeToString(hash))
		return err
	})
	return p, err
}

// ParticipantSession resolves a participant session token.
func (db *DB) ParticipantSession(ctx context.Context, hash []byte, now time.Time) (consultation.Participant, error) {
	var p consultation.Participant
	var exp int64
	err := db.r.QueryRowContext(ctx, `SELECT room_id, role, identity, name, language, expires FROM participants WHERE token_hash = ? AND kind = 'session'`, hex.EncodeToString(hash)).
		Scan(&p.RoomID, &p.Role, &p.Identity, &p.Name, &p.Language, &exp)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && now.After(fromMS(exp))) {
		return p, consultation.ErrInviteInvalid
	}
	p.ExpiresAt = fromMS(exp)
	return p, err
}
