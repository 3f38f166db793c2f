package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/buergerbuero/buergerbuero/appliance/audit"
	"github.com/buergerbuero/buergerbuero/appliance/consultation"
	"github.com/buergerbuero/buergerbuero/appliance/permanent"
)

// Permanent rooms: DB implements permanent.Store.
var _ permanent.Store = (*DB)(nil)

// CreatePermanentRoom inserts the consultation room (kind permanent), its
// title and settings, and the audit entry in one transaction.
func (db *DB) CreatePermanentRoom(ctx context.Context, r permanent.Room, entry audit.Entry) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO rooms (id, kind, ticket_id, office_id, clerk, created_at) VALUES (?,?,?,?,?,?)`,
			r.ID, consultation.KindPermanent, "", r.OfficeID, "", ms(r.CreatedAt)); err != nil {
			return fmt.Errorf("create permanent room: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO permanent_rooms (room_id, office_id, title, keep_documents, created_by, created_at) VALUES (?,?,?,?,?,?)`,
			r.ID, r.OfficeID, r.Title, r.KeepDocuments, r.CreatedBy, ms(r.CreatedAt)); err != nil {
			return fmt.Errorf("create permanent room: %w", err)
		}
		return insertAudit(ctx, tx, entry)
	})
}

// PermanentRoom loads a permanent room.
func (db *DB) PermanentRoom(ctx context.Context, id string) (permanent.Room, error) {
	rs, err := db.permanentRooms(ctx, `WHERE room_id = ?`, id)
	if err != nil {
		return permanent.Room{}, err
	}
	if len(rs) == 0 {
		return permanent.Room{}, permanent.ErrNotFound
	}
	return rs[0], nil
}

// PermanentRooms lists every permanent room, by office and title.
func (db *DB) PermanentRooms(ctx context.Context) ([]permanent.Room, error) {
	return db.permanentRooms(ctx, ``)
}

func (db *DB) permanentRooms(ctx context.Context, where string, args ...any) ([]permanent.Room, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT room_id, office_id, title, keep_documents, created_by, created_at FROM permanent_rooms `+where+` ORDER BY office_id, title`, args...)
	if err != nil {
		return nil, fmt.Errorf("permanent rooms: %w", err)
	}
	defer rows.Close()
	var out []permanent.Room
	for rows.Next() {
		var r permanent.Room
		var at int64
		if err := rows.Scan(&r.ID, &r.OfficeID, &r.Title, &r.KeepDocuments, &r.CreatedBy, &at); err != nil {
			return nil, err
		}
		r.CreatedAt = fromMS(at)
		out = append(out, r)
	}
	return out, rows.Err()
}

// EndParticipant deletes an external participant's sessions (and any
// invite naming them) in one room: they are removed at once.
func (db *DB) EndParticipant(ctx context.Context, roomID, identity string) error {
	if _, err := db.w.ExecContext(ctx, `DELETE FROM participants WHERE room_id = ? AND identity = ?`, roomID, identity); err != nil {
		return fmt.Errorf("end participant: %w", err)
	}
	return nil
}

// DeleteRoomChat deletes a room's chat messages that carry no file and
// its whiteboard, in one transaction; the files and the messages
// announcing them stay.
func (db *DB) DeleteRoomChat(ctx context.Context, roomID string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		qs := []string{`DELETE FROM messages WHERE room_id = ? AND file_id = ''`}
		for _, q := range whiteboardContent {
			qs = append(qs, fmt.Sprintf(q, "?"))
		}
		for _, q := range qs {
			if _, err := tx.ExecContext(ctx, q, roomID); err != nil {
				return fmt.Errorf("delete room chat %s: %w", roomID, err)
			}
		}
		return nil
	})
}
