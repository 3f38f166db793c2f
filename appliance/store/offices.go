package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/buergerbuero/buergerbuero/appliance/reception"
)

// UpsertOffice creates or replaces an office.
func (db *DB) UpsertOffice(ctx context.Context, o reception.Office) error {
	data, err := json.Marshal(o)
	if err != nil {
		return err
	}
	_, err = db.w.ExecContext(ctx, `INSERT INTO offices (id, position, data) VALUES (?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET position = excluded.position, data = excluded.data`, o.ID, o.Position, string(data))
	if err != nil {
		return fmt.Errorf("save office %s: %w", o.ID, err)
	}
	return nil
}

// Offices lists all offices in display order.
func (db *DB) Offices(ctx context.Context) ([]reception.Office, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT data, position FROM offices ORDER BY position, id`)
	if err != nil {
		return nil, fmt.Errorf("offices: %w", err)
	}
	defer rows.Close()
	var out []reception.Office
	for rows.Next() {
		var data string
		var o reception.Office
		var pos int
		if err := rows.Scan(&data, &pos); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(data), &o); err != nil {
			return nil, fmt.Errorf("office data: %w", err)
		}
		o.Position = pos
		out = append(out, o)
	}
	return out, rows.Err()
}
