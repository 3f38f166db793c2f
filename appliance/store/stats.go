package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/reception"
	"github.com/buergerbuero/buergerbuero/appliance/stats"
)

var _ stats.Source = (*DB)(nil)

// txFacts answers a transition's questions (reception.Facts) in its
// transaction.
type txFacts struct{ tx *sql.Tx }

func (f txFacts) AdmittedBefore(ctx context.Context, ticketID, officeID string) (bool, error) {
	var n int
	err := f.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit WHERE ticket_id = ? AND action = ? AND office_id = ?`,
		ticketID, string(reception.ActAdmit), officeID).Scan(&n)
	return n > 0, err
}

func (f txFacts) Attended(ctx context.Context, roomID string, roles []string) (bool, error) {
	if len(roles) == 0 {
		return false, nil
	}
	args := []any{roomID}
	for _, r := range roles {
		args = append(args, r)
	}
	var n int
	err := f.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM participants WHERE room_id = ? AND role IN (?`+strings.Repeat(",?", len(roles)-1)+`)
		AND (used_at <> 0 OR kind = 'session')`, args...).Scan(&n)
	return n > 0, err
}

// addTallies adds a change's figures to the daily counts, in the change's
// transaction: a change is counted exactly once, and before any retention
// purge can touch its ticket.
func addTallies(ctx context.Context, tx *sql.Tx, tallies []reception.Tally) error {
	for _, inc := range tallies {
		if _, err := tx.ExecContext(ctx, `INSERT INTO stats_daily (day, office_id, service, figure, detail, n) VALUES (?,?,?,?,?,?)
			ON CONFLICT (day, office_id, service, figure, detail) DO UPDATE SET n = stats_daily.n + excluded.n`,
			inc.Day, inc.Office, inc.Service, inc.Figure, inc.Detail, inc.N); err != nil {
			return fmt.Errorf("count %s: %w", inc.Figure, err)
		}
	}
	return nil
}

func inOffices(offices []string) (string, []any) {
	args := make([]any, len(offices))
	for i, o := range offices {
		args[i] = o
	}
	return `office_id IN (''` + strings.Repeat(",?", len(offices)) + `)`, args
}

// Figures returns the stored figures of the days from through to of the offices.
func (db *DB) Figures(ctx context.Context, from, to string, offices []string) ([]stats.Row, error) {
	scope, args := inOffices(offices)
	rows, err := db.r.QueryContext(ctx, `SELECT day, office_id, service, figure, detail, n FROM stats_daily
		WHERE day >= ? AND day <= ? AND `+scope+` ORDER BY day, office_id, service, figure, detail`, append([]any{from, to}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("figures: %w", err)
	}
	defer rows.Close()
	var out []stats.Row
	for rows.Next() {
		var r stats.Row
		var f string
		if err := rows.Scan(&r.Day, &r.Office, &r.Service, &f, &r.Detail, &r.N); err != nil {
			return nil, err
		}
		r.Figure = stats.Figure(f)
		out = append(out, r)
	}
	return out, rows.Err()
}

// Bookings returns the outcome of the bookings whose slot starts in
// [from, to): the rows stay after their personal data is purged.
func (db *DB) Bookings(ctx context.Context, from, to time.Time, offices []string) ([]stats.Booking, error) {
	scope, args := inOffices(offices)
	rows, err := db.r.QueryContext(ctx, `SELECT office_id, service_id, start_at, state, confirmed_at, arrived_at FROM appointments
		WHERE start_at >= ? AND start_at < ? AND confirmed_at <> 0 AND `+scope, append([]any{ms(from), ms(to)}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("bookings: %w", err)
	}
	defer rows.Close()
	var out []stats.Booking
	for rows.Next() {
		var b stats.Booking
		var start, confirmed, arrived int64
		var state string
		if err := rows.Scan(&b.Office, &b.Service, &start, &state, &confirmed, &arrived); err != nil {
			return nil, err
		}
		b.Start, b.Booked, b.Kept, b.NoShow = fromMS(start), confirmed != 0, arrived != 0, state == "no_show"
		out = append(out, b)
	}
	return out, rows.Err()
}
