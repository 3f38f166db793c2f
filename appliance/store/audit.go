package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/buergerbuero/buergerbuero/appliance/audit"
)

var _ audit.Log = (*DB)(nil)

// Entries lists audit entries, newest first (the audit-log viewer).
func (db *DB) Entries(ctx context.Context, f audit.Filter) ([]audit.Entry, error) {
	var where []string
	var args []any
	if !f.From.IsZero() {
		where, args = append(where, "at >= ?"), append(args, ms(f.From))
	}
	if !f.To.IsZero() {
		where, args = append(where, "at < ?"), append(args, ms(f.To))
	}
	if f.Actor != "" {
		where, args = append(where, "actor = ?"), append(args, f.Actor)
	}
	if f.ActionPrefix != "" {
		// not LIKE: '_' and '%' in a prefix are literal
		where, args = append(where, "substr(action, 1, ?) = ?"), append(args, utf8.RuneCountInString(f.ActionPrefix), f.ActionPrefix)
	}
	if f.Office != "" {
		where, args = append(where, "office_id = ?"), append(args, f.Office)
	}
	if f.Offices != nil {
		in := "1 = 0"
		if len(f.Offices) > 0 {
			in = "office_id IN (?" + strings.Repeat(", ?", len(f.Offices)-1) + ")"
		}
		where = append(where, in)
		for _, o := range f.Offices {
			args = append(args, o)
		}
	}
	q := `SELECT id, at, actor, action, ticket_id, office_id, detail FROM audit`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY at DESC, id DESC"
	if f.Limit > 0 {
		q += " LIMIT ? OFFSET ?"
		args = append(args, f.Limit, f.Offset)
	}
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("audit entries: %w", err)
	}
	defer rows.Close()
	var out []audit.Entry
	for rows.Next() {
		var e audit.Entry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.TicketID, &e.OfficeID, &e.Detail); err != nil {
			return nil, err
		}
		e.At = fromMS(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// Record writes an audit entry (an administrator's change).
func (db *DB) Record(ctx context.Context, e audit.Entry) error {
	return insertAudit(ctx, db.w, e)
}

// execer is a transaction or the write handle.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// insertAudit writes an audit entry as the domain composed it; an entry
// without a time is stamped now.
func insertAudit(ctx context.Context, x execer, e audit.Entry) error {
	if e.At.IsZero() {
		e.At = time.Now()
	}
	_, err := x.ExecContext(ctx, `INSERT INTO audit (at, actor, action, ticket_id, office_id, detail) VALUES (?,?,?,?,?,?)`,
		ms(e.At), e.Actor, e.Action, e.TicketID, e.OfficeID, e.Detail)
	return err
}
