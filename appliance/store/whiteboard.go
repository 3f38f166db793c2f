package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/buergerbuero/buergerbuero/appliance/whiteboard"
)

var _ whiteboard.Store = (*DB)(nil)

// WhiteboardItems returns a room's drawings in drawing order, the seq of
// its last operation and the number of its operations.
func (db *DB) WhiteboardItems(ctx context.Context, room string) ([]whiteboard.Item, int64, int, error) {
	var seq int64
	var n int
	if err := db.r.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0), COUNT(*) FROM whiteboard_ops WHERE room_id = ?`, room).Scan(&seq, &n); err != nil {
		return nil, 0, 0, fmt.Errorf("whiteboard ops: %w", err)
	}
	rows, err := db.r.QueryContext(ctx, `SELECT seq, author, body FROM whiteboard_items WHERE room_id = ? ORDER BY seq`, room)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("whiteboard items: %w", err)
	}
	defer rows.Close()
	var out []whiteboard.Item
	for rows.Next() {
		it, err := scanItem(rows)
		if err != nil {
			return nil, 0, 0, err
		}
		out = append(out, it)
	}
	return out, seq, n, rows.Err()
}

// WhiteboardOpCount returns the number of a room's whiteboard operations.
func (db *DB) WhiteboardOpCount(ctx context.Context, room string) (int, error) {
	var n int
	err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM whiteboard_ops WHERE room_id = ?`, room).Scan(&n)
	return n, err
}

func scanItem(row interface{ Scan(...any) error }) (whiteboard.Item, error) {
	var it whiteboard.Item
	var seq int64
	var author, body string
	if err := row.Scan(&seq, &author, &body); err != nil {
		return it, err
	}
	if err := json.Unmarshal([]byte(body), &it); err != nil {
		return it, fmt.Errorf("whiteboard item: %w", err)
	}
	it.Seq, it.Author = seq, author
	return it, nil
}

// WhiteboardItem returns one drawing of a room.
func (db *DB) WhiteboardItem(ctx context.Context, room, id string) (whiteboard.Item, error) {
	it, err := scanItem(db.r.QueryRowContext(ctx, `SELECT seq, author, body FROM whiteboard_items WHERE room_id = ? AND id = ?`, room, id))
	if errors.Is(err, sql.ErrNoRows) {
		return it, whiteboard.ErrItemNotFound
	}
	return it, err
}

// WhiteboardOp returns the operation of a room with that ID.
func (db *DB) WhiteboardOp(ctx context.Context, room, id string) (whiteboard.Op, bool, error) {
	ops, err := db.whiteboardOps(ctx, `o.room_id = ? AND o.op_id = ?`, room, id)
	if err != nil || len(ops) == 0 {
		return whiteboard.Op{}, false, err
	}
	return ops[0], true, nil
}

// WhiteboardOpsSince returns up to limit of a room's operations with seq >
// after.
func (db *DB) WhiteboardOpsSince(ctx context.Context, room string, after int64, limit int) ([]whiteboard.Op, error) {
	return db.whiteboardOps(ctx, `o.room_id = ? AND o.seq > ? ORDER BY o.seq LIMIT ?`, room, after, limit)
}

func (db *DB) whiteboardOps(ctx context.Context, where string, args ...any) ([]whiteboard.Op, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT o.seq, o.room_id, o.op_id, o.author, o.type, o.target, o.at, COALESCE(i.body, '')
		FROM whiteboard_ops o LEFT JOIN whiteboard_items i ON o.type = 'add' AND i.room_id = o.room_id AND i.id = o.op_id
		WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("whiteboard ops: %w", err)
	}
	defer rows.Close()
	var out []whiteboard.Op
	for rows.Next() {
		var op whiteboard.Op
		var at int64
		var body string
		if err := rows.Scan(&op.Seq, &op.Room, &op.ID, &op.Author, &op.Type, &op.Target, &at, &body); err != nil {
			return nil, err
		}
		op.At = fromMS(at)
		if body != "" {
			it := &whiteboard.Item{}
			if err := json.Unmarshal([]byte(body), it); err != nil {
				return nil, fmt.Errorf("whiteboard item: %w", err)
			}
			it.Seq, it.Author = op.Seq, op.Author
			op.Item = it
		}
		out = append(out, op)
	}
	return out, rows.Err()
}

// AddWhiteboardOp records a whiteboard operation, applies it to the room's
// drawings and appends a whiteboard event to the stream, in one
// transaction.
func (db *DB) AddWhiteboardOp(ctx context.Context, op whiteboard.Op) (int64, error) {
	var seq int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO whiteboard_ops (room_id, op_id, author, type, target, at) VALUES (?,?,?,?,?,?) RETURNING seq`,
			op.Room, op.ID, op.Author, string(op.Type), op.Target, ms(op.At)).Scan(&seq); err != nil {
			return err
		}
		payload := whiteboard.Event(op.Room, seq)
		if _, err := tx.ExecContext(ctx, `INSERT INTO events (type, room_id, at, payload) VALUES ('whiteboard', ?, ?, ?)`, op.Room, ms(op.At), string(payload)); err != nil {
			return err
		}
		switch op.Type {
		case whiteboard.OpAdd:
			body, err := json.Marshal(op.Item)
			if err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO whiteboard_items (room_id, id, seq, author, body) VALUES (?,?,?,?,?)`, op.Room, op.ID, seq, op.Author, string(body))
			return err
		case whiteboard.OpUndo:
			_, err := tx.ExecContext(ctx, `DELETE FROM whiteboard_items WHERE room_id = ? AND id = ?`, op.Room, op.Target)
			return err
		case whiteboard.OpClear:
			_, err := tx.ExecContext(ctx, `DELETE FROM whiteboard_items WHERE room_id = ?`, op.Room)
			return err
		}
		return fmt.Errorf("unknown operation %q", op.Type)
	})
	if err != nil {
		return 0, fmt.Errorf("add whiteboard op: %w", err)
	}
	return seq, nil
}

// whiteboardContent is how a room's board is deleted with its content
// (DeleteRoomContent, Purge): the statements take the room ID, or for
// Purge a subquery in its place.
var whiteboardContent = []string{`DELETE FROM whiteboard_items WHERE room_id IN (%s)`, `DELETE FROM whiteboard_ops WHERE room_id IN (%s)`}
