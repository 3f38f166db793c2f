package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/audit"
	"github.com/buergerbuero/buergerbuero/appliance/staff"
)

var _ staff.Store = (*DB)(nil)

// SaveClerk creates or updates a clerk and replaces the office memberships.
// An empty PasswordHash keeps the stored one.
func (db *DB) SaveClerk(ctx context.Context, c staff.Clerk, passwordHash string, mustChange bool, entry audit.Entry) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO clerks (login, display_name, role, password_hash, must_change, matrix_id) VALUES (?,?,?,?,?,?)
			ON CONFLICT (login) DO UPDATE SET display_name = excluded.display_name, role = excluded.role, matrix_id = excluded.matrix_id,
			password_hash = CASE WHEN excluded.password_hash = '' THEN clerks.password_hash ELSE excluded.password_hash END,
			must_change = CASE WHEN excluded.password_hash = '' THEN clerks.must_change ELSE excluded.must_change END`,
			c.Login, c.DisplayName, string(c.Role), passwordHash, b2i(mustChange), c.MatrixID)
		if err != nil {
			return fmt.Errorf("save clerk %s: %w", c.Login, err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM memberships WHERE login = ?`, c.Login); err != nil {
			return err
		}
		for _, o := range c.Offices {
			if _, err := tx.ExecContext(ctx, `INSERT INTO memberships (login, office_id) VALUES (?, ?)`, c.Login, o); err != nil {
				return err
			}
		}
		return insertAudit(ctx, tx, entry)
	})
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

const clerkCols = `login, display_name, role, password_hash, must_change, matrix_id, presence, totp_secret`

func scanClerk(s scanner) (staff.Account, error) {
	var a staff.Account
	var role, presence string
	var must int
	err := s.Scan(&a.Login, &a.DisplayName, &role, &a.PasswordHash, &must, &a.MatrixID, &presence, &a.TOTPSecret)
	a.Role, a.Presence, a.MustChange = staff.Role(role), staff.Presence(presence), must == 1
	return a, err
}

// Account loads a clerk with credentials.
func (db *DB) Account(ctx context.Context, login string) (staff.Account, error) {
	a, err := scanClerk(db.r.QueryRowContext(ctx, `SELECT `+clerkCols+` FROM clerks WHERE login = ?`, login))
	if errors.Is(err, sql.ErrNoRows) {
		return a, staff.ErrNoClerk
	}
	if err != nil {
		return a, err
	}
	a.Offices, err = db.memberships(ctx, login)
	return a, err
}

func (db *DB) memberships(ctx context.Context, login string) ([]string, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT office_id FROM memberships WHERE login = ? ORDER BY office_id`, login)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var o string
		if err := rows.Scan(&o); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// Clerks lists all clerks (without credentials).
func (db *DB) Clerks(ctx context.Context) ([]staff.Clerk, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+clerkCols+` FROM clerks ORDER BY login`)
	if err != nil {
		return nil, fmt.Errorf("clerks: %w", err)
	}
	var accts []staff.Account
	for rows.Next() {
		a, err := scanClerk(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		accts = append(accts, a)
	}
	rows.Close()
	out := make([]staff.Clerk, 0, len(accts))
	for _, a := range accts {
		if a.Offices, err = db.memberships(ctx, a.Login); err != nil {
			return nil, err
		}
		out = append(out, a.Clerk)
	}
	return out, nil
}

// SetPresence stores a clerk's presence.
func (db *DB) SetPresence(ctx context.Context, login string, p staff.Presence) error {
	_, err := db.w.ExecContext(ctx, `UPDATE clerks SET presence = ? WHERE login = ?`, string(p), login)
	return err
}

// SetPassword replaces a clerk's password hash.
func (db *DB) SetPassword(ctx context.Context, login, hash string, mustChange bool) error {
	_, err := db.w.ExecContext(ctx, `UPDATE clerks SET password_hash = ?, must_change = ? WHERE login = ?`, hash, b2i(mustChange), login)
	return err
}

// CreateSession stores a staff session by the hash of its token.
func (db *DB) CreateSession(ctx context.Context, idHash, login, csrf string, created, expires time.Time) error {
	_, err := db.w.ExecContext(ctx, `INSERT INTO sessions (id_hash, login, csrf, expires, last_seen) VALUES (?,?,?,?,?)`,
		idHash, login, csrf, ms(expires), ms(created))
	return err
}

// Session loads a session; the staff service judges its deadlines.
func (db *DB) Session(ctx context.Context, idHash string) (staff.StoredSession, error) {
	var s staff.StoredSession
	var exp, seen int64
	err := db.r.QueryRowContext(ctx, `SELECT login, csrf, expires, last_seen FROM sessions WHERE id_hash = ?`, idHash).Scan(&s.Login, &s.CSRF, &exp, &seen)
	if errors.Is(err, sql.ErrNoRows) {
		return s, staff.ErrNoSession
	}
	s.Expires, s.LastSeen = fromMS(exp), fromMS(seen)
	return s, err
}

// TouchSession records the use of a session (for its idle deadline).
func (db *DB) TouchSession(ctx context.Context, idHash string, at time.Time) error {
	_, err := db.w.ExecContext(ctx, `UPDATE sessions SET last_seen = ? WHERE id_hash = ?`, ms(at), idHash)
	return err
}

// DeleteSession logs a session out.
func (db *DB) DeleteSession(ctx context.Context, idHash string) error {
	_, err := db.w.ExecContext(ctx, `DELETE FROM sessions WHERE id_hash = ?`, idHash)
	return err
}

// DeleteSessions logs a clerk out everywhere but in one session.
func (db *DB) DeleteSessions(ctx context.Context, login, exceptIDHash string) error {
	_, err := db.w.ExecContext(ctx, `DELETE FROM sessions WHERE login = ? AND id_hash <> ?`, login, exceptIDHash)
	return err
}

// Audit records a staff security event (sign-in through a directory,
// sessions ended by it). No citizen data goes here.
func (db *DB) Audit(ctx context.Context, actor, action, detail string) error {
	_, err := db.w.ExecContext(ctx, `INSERT INTO audit (at, actor, action, detail) VALUES (?,?,?,?)`, ms(time.Now()), actor, action, detail)
	return err
}

// SetTOTP replaces a clerk's TOTP secret ("" removes it) and resets the
// last used step.
func (db *DB) SetTOTP(ctx context.Context, login, secret string) error {
	res, err := db.w.ExecContext(ctx, `UPDATE clerks SET totp_secret = ?, totp_last_step = 0 WHERE login = ?`, secret, login)
	if err != nil {
		return fmt.Errorf("set totp of %s: %w", login, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return staff.ErrNoClerk
	}
	return nil
}

// UseTOTPStep records step as a clerk's last used TOTP step if it is newer
// than the stored one (atomically: two requests with one code cannot both
// win); false for a replayed or older step.
func (db *DB) UseTOTPStep(ctx context.Context, login string, step int64) (bool, error) {
	res, err := db.w.ExecContext(ctx, `UPDATE clerks SET totp_last_step = ? WHERE login = ? AND totp_last_step < ?`, step, login, step)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
