package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/staff"
)

// The rows behind web's ssoSessions (migration 0024): per staff session,
// by the hash of its token, what a directory clerk's session is re-checked
// with — the OpenID provider's grant or the LDAP flag — so that every node
// of a cluster re-checks it and a restart keeps it. The store keeps the
// grant as the caller sealed it (web seals it with a key derived from the
// session token); it never sees the tokens. Safe for concurrent use by
// several nodes: SSOGrantClaim and SSOGrantUpdate are conditional updates.

// SSOGrant is one session's row (staff.SSOGrants states the contract).
type SSOGrant = staff.SSOGrant

var _ staff.SSOGrants = (*DB)(nil)

// SSOGrantPut stores the grant of the session sessionHash, replacing one
// that was there.
func (db *DB) SSOGrantPut(ctx context.Context, sessionHash string, g SSOGrant) error {
	if g.Sealed == nil {
		g.Sealed = []byte{}
	}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO sso_grants (session_hash, login, kind, subject, sealed, checked_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (session_hash) DO UPDATE SET login = excluded.login, kind = excluded.kind, subject = excluded.subject,
				sealed = excluded.sealed, checked_at = excluded.checked_at, expires_at = excluded.expires_at`,
			sessionHash, g.Login, g.Kind, g.Subject, g.Sealed, ms(g.Checked), ms(g.Expires))
		return err
	})
	if err != nil {
		return fmt.Errorf("sso grant: store: %w", err)
	}
	return nil
}

// SSOGrantGet loads the grant of the session sessionHash; found is false
// if there is none (or it ran out).
func (db *DB) SSOGrantGet(ctx context.Context, sessionHash string) (g SSOGrant, found bool, err error) {
	var checked, expires int64
	err = db.r.QueryRowContext(ctx, `SELECT login, kind, subject, sealed, checked_at, expires_at FROM sso_grants
		WHERE session_hash = ? AND expires_at >= ?`, sessionHash, ms(time.Now())).
		Scan(&g.Login, &g.Kind, &g.Subject, &g.Sealed, &checked, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return SSOGrant{}, false, nil
	}
	if err != nil {
		return SSOGrant{}, false, fmt.Errorf("sso grant: load: %w", err)
	}
	g.Checked, g.Expires = fromMS(checked), fromMS(expires)
	return g, true, nil
}

// SSOGrantClaim moves the session's last re-check from prev to at, only if
// it is still prev; it reports whether this caller won. Of several nodes
// re-checking one session at once exactly one wins and asks the provider;
// the others re-read the row.
func (db *DB) SSOGrantClaim(ctx context.Context, sessionHash string, prev, at time.Time) (bool, error) {
	return db.ssoGrantSet(ctx, `UPDATE sso_grants SET checked_at = ? WHERE session_hash = ? AND checked_at = ?`,
		ms(at), sessionHash, ms(prev))
}

// SSOGrantUpdate stores the refreshed grant of a session whose re-check
// the caller claimed at checked; false if the row is gone or another
// re-check has claimed it since.
func (db *DB) SSOGrantUpdate(ctx context.Context, sessionHash string, checked time.Time, sealed []byte) (bool, error) {
	return db.ssoGrantSet(ctx, `UPDATE sso_grants SET sealed = ? WHERE session_hash = ? AND checked_at = ?`,
		sealed, sessionHash, ms(checked))
}

func (db *DB) ssoGrantSet(ctx context.Context, q string, args ...any) (bool, error) {
	var n int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return false, fmt.Errorf("sso grant: update: %w", err)
	}
	return n == 1, nil
}

// SSOGrantDelete forgets the grant of one session (logout).
func (db *DB) SSOGrantDelete(ctx context.Context, sessionHash string) error {
	return db.ssoGrantDel(ctx, `DELETE FROM sso_grants WHERE session_hash = ?`, sessionHash)
}

// SSOGrantDeleteLogin forgets the grants of every session of a clerk (the
// directory no longer grants access).
func (db *DB) SSOGrantDeleteLogin(ctx context.Context, login string) error {
	return db.ssoGrantDel(ctx, `DELETE FROM sso_grants WHERE login = ?`, login)
}

func (db *DB) ssoGrantDel(ctx context.Context, q, arg string) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, q, arg)
		return err
	})
	if err != nil {
		return fmt.Errorf("sso grant: delete: %w", err)
	}
	return nil
}
