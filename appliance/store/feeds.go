package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/notify"
)

// CreateCalendarFeed stores a feed by its token's hash and returns its id.
func (db *DB) CreateCalendarFeed(ctx context.Context, hash string, scope notify.FeedScope, by string, now time.Time) (int64, error) {
	var id int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO calendar_feeds (token_hash, scope, subject, created_by, created_at) VALUES (?,?,?,?,?) RETURNING id`,
			hash, scope.Kind(), scope.Subject(), by, ms(now)).Scan(&id)
		if err != nil {
			return fmt.Errorf("calendar feed: %w", err)
		}
		return nil
	})
	return id, err
}

// CalendarFeed finds a feed that is not revoked by its token's hash.
func (db *DB) CalendarFeed(ctx context.Context, hash string) (notify.FeedScope, bool, error) {
	var kind, subject string
	err := db.r.QueryRowContext(ctx, `SELECT scope, subject FROM calendar_feeds WHERE token_hash = ? AND revoked_at = 0`, hash).Scan(&kind, &subject)
	if errors.Is(err, sql.ErrNoRows) {
		return notify.FeedScope{}, false, nil
	}
	if err != nil {
		return notify.FeedScope{}, false, fmt.Errorf("calendar feed: %w", err)
	}
	return feedScope(kind, subject), true, nil
}

// CalendarFeedByID returns an active feed's scope by its id.
func (db *DB) CalendarFeedByID(ctx context.Context, id int64) (notify.FeedScope, bool, error) {
	var kind, subject string
	err := db.r.QueryRowContext(ctx, `SELECT scope, subject FROM calendar_feeds WHERE id = ? AND revoked_at = 0`, id).Scan(&kind, &subject)
	if errors.Is(err, sql.ErrNoRows) {
		return notify.FeedScope{}, false, nil
	}
	if err != nil {
		return notify.FeedScope{}, false, fmt.Errorf("calendar feed: %w", err)
	}
	return feedScope(kind, subject), true, nil
}

// RevokeCalendarFeed ends a feed: its URL answers 404 from now on.
func (db *DB) RevokeCalendarFeed(ctx context.Context, id int64, now time.Time) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE calendar_feeds SET revoked_at = ? WHERE id = ? AND revoked_at = 0`, ms(now), id); err != nil {
			return fmt.Errorf("calendar feed: %w", err)
		}
		return nil
	})
}

func feedScope(kind, subject string) notify.FeedScope {
	if kind == "clerk" {
		return notify.FeedScope{Clerk: subject}
	}
	return notify.FeedScope{Office: subject}
}

// BookedAppointments lists the booked (also arrived or no-show) and
// cancelled appointments of the offices starting in [from, to) for the
// staff calendar feeds: id, office, service, times and state — no
// contact, language or concern.
func (db *DB) BookedAppointments(ctx context.Context, offices []string, from, to time.Time) ([]notify.FeedEntry, error) {
	var out []notify.FeedEntry
	for _, office := range offices {
		rows, err := db.r.QueryContext(ctx, `SELECT id, office_id, service_id, start_at, end_at, state FROM appointments
			WHERE office_id = ? AND start_at >= ? AND start_at < ? AND state IN ('booked', 'arrived', 'no_show', 'cancelled') ORDER BY start_at, id`,
			office, ms(from), ms(to))
		if err != nil {
			return nil, fmt.Errorf("calendar feed: %w", err)
		}
		for rows.Next() {
			var e notify.FeedEntry
			var start, end int64
			var state string
			if err := rows.Scan(&e.Reference, &e.Office, &e.Service, &start, &end, &state); err != nil {
				rows.Close()
				return nil, err
			}
			e.UID = e.Reference + "@staff-feed"
			e.Start, e.Duration, e.Cancelled = fromMS(start), fromMS(end).Sub(fromMS(start)), state == "cancelled"
			out = append(out, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
