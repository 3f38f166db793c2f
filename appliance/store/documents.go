package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/consultation"
)

// The documents of a room live in the files table, bytes included, so they
// stay under the state directory with the database (0700/0600) and move
// with it to PostgreSQL. A deleted document keeps its row without bytes.

// File loads an uploaded file of a room; a deleted one comes without data
// and with Deleted set.
func (db *DB) File(ctx context.Context, room, id string) (consultation.File, error) {
	var f consultation.File
	var deleted int64
	err := db.r.QueryRowContext(ctx, `SELECT id, room_id, name, type, size, data, uploader_role, uploader, deleted_at FROM files WHERE id = ? AND room_id = ?`, id, room).
		Scan(&f.ID, &f.RoomID, &f.Name, &f.Type, &f.Size, &f.Data, &f.UploaderRole, &f.Uploader, &deleted)
	if errors.Is(err, sql.ErrNoRows) {
		return f, consultation.ErrFileNotFound
	}
	f.Deleted = deleted != 0
	return f, err
}

// Files lists a room's files without their bytes, oldest first, with the
// name the uploader had in the chat.
func (db *DB) Files(ctx context.Context, room string) ([]consultation.File, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT f.id, f.room_id, f.name, f.type, f.size, f.uploader_role, f.uploader, f.deleted_at, f.at, COALESCE(m.author, '')
		FROM files f LEFT JOIN messages m ON m.room_id = f.room_id AND m.file_id = f.id
		WHERE f.room_id = ? ORDER BY f.at, m.seq`, room)
	if err != nil {
		return nil, fmt.Errorf("files: %w", err)
	}
	defer rows.Close()
	var out []consultation.File
	for rows.Next() {
		var f consultation.File
		var deleted, at int64
		if err := rows.Scan(&f.ID, &f.RoomID, &f.Name, &f.Type, &f.Size, &f.UploaderRole, &f.Uploader, &deleted, &at, &f.UploaderName); err != nil {
			return nil, err
		}
		f.Deleted, f.At = deleted != 0, fromMS(at)
		out = append(out, f)
	}
	return out, rows.Err()
}

// DeleteFile drops a file's bytes and marks it deleted, and stores the
// notice saying so, in one transaction. Deleting a deleted file again
// changes nothing and gives consultation.ErrFileDeleted.
func (db *DB) DeleteFile(ctx context.Context, room, id string, at time.Time, notice consultation.Message) (consultation.Message, error) {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE files SET data = ?, deleted_at = ? WHERE id = ? AND room_id = ? AND deleted_at = 0`, []byte{}, ms(at), id, room)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var one int
			if tx.QueryRowContext(ctx, `SELECT 1 FROM files WHERE id = ? AND room_id = ?`, id, room).Scan(&one) == nil {
				return consultation.ErrFileDeleted
			}
			return consultation.ErrFileNotFound
		}
		notice.Seq, err = insertMessage(ctx, tx, notice, "")
		return err
	})
	if err != nil {
		return notice, fmt.Errorf("delete file: %w", err)
	}
	return notice, nil
}
