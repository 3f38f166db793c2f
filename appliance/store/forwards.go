package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/buergerbuero/buergerbuero/appliance/reception"
)

// insertForward records one forwarding in the ticket's history, in the
// transaction that forwards it.
func insertForward(ctx context.Context, tx *sql.Tx, ticketID string, f reception.Forward) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO forwards (ticket_id, at, actor, from_office, to_office, to_clerk, note) VALUES (?,?,?,?,?,?,?)`,
		ticketID, ms(f.At), f.By, f.FromOffice, f.ToOffice, f.ToClerk, f.Note)
	if err != nil {
		return fmt.Errorf("record forward: %w", err)
	}
	return nil
}

// forwards returns a ticket's forwarding history, oldest first.
func (db *DB) forwards(ctx context.Context, ticketID string) ([]reception.Forward, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT at, actor, from_office, to_office, to_clerk, note FROM forwards WHERE ticket_id = ? ORDER BY id`, ticketID)
	if err != nil {
		return nil, fmt.Errorf("load forwards: %w", err)
	}
	defer rows.Close()
	var out []reception.Forward
	for rows.Next() {
		var f reception.Forward
		var at int64
		if err := rows.Scan(&at, &f.By, &f.FromOffice, &f.ToOffice, &f.ToClerk, &f.Note); err != nil {
			return nil, err
		}
		f.At = fromMS(at)
		out = append(out, f)
	}
	return out, rows.Err()
}
