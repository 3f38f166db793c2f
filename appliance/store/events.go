package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/reception"
)

// Events returns up to limit stream events with seq > since.
func (db *DB) Events(ctx context.Context, since int64, limit int) ([]reception.Event, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT seq, type, office_id, room_id, at, payload, node FROM events WHERE seq > ? ORDER BY seq LIMIT ?`, since, limit)
	if err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	defer rows.Close()
	var out []reception.Event
	for rows.Next() {
		var e reception.Event
		var at int64
		var payload string
		if err := rows.Scan(&e.Seq, &e.Type, &e.OfficeID, &e.RoomID, &at, &payload, &e.Node); err != nil {
			return nil, err
		}
		e.At, e.Payload = fromMS(at), []byte(payload)
		out = append(out, e)
	}
	return out, rows.Err()
}

// AddEvent appends a non-ticket event (presence) to the stream.
func (db *DB) AddEvent(ctx context.Context, typ string, payload []byte) (int64, error) {
	// in a write transaction, so that sequence numbers become visible in
	// their order on PostgreSQL too (a reader polls seq > last)
	var seq int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO events (type, at, payload, node) VALUES (?, ?, ?, ?) RETURNING seq`, typ, ms(time.Now()), string(payload), db.node).Scan(&seq)
	})
	return seq, err
}

// LastEventSeq returns the newest event's sequence number (0 if none).
func (db *DB) LastEventSeq(ctx context.Context) (int64, error) {
	var seq int64
	err := db.r.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM events`).Scan(&seq)
	return seq, err
}
