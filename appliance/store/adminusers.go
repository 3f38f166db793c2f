package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/buergerbuero/buergerbuero/appliance/staff"
)

var _ staff.AdminStore = (*DB)(nil)

// AdminAccounts lists every clerk for the administration: the clerk, the
// account's state (one-time password, TOTP, disabled, local password) and
// the directory that last provisioned it ("oidc", "ldap"; "" none),
// found in the audit log.
func (db *DB) AdminAccounts(ctx context.Context) ([]staff.AdminAccount, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+clerkCols+`, disabled FROM clerks ORDER BY login`)
	if err != nil {
		return nil, fmt.Errorf("admin accounts: %w", err)
	}
	var out []staff.AdminAccount
	for rows.Next() {
		var a staff.Account
		var role, presence string
		var must, disabled int
		if err := rows.Scan(&a.Login, &a.DisplayName, &role, &a.PasswordHash, &must, &a.MatrixID, &presence, &a.TOTPSecret, &disabled); err != nil {
			rows.Close()
			return nil, err
		}
		a.Role, a.Presence = staff.Role(role), staff.Presence(presence)
		out = append(out, staff.AdminAccount{Clerk: a.Clerk, Local: a.PasswordHash != "", MustChange: must == 1,
			TOTP: a.TOTPSecret != "", Disabled: disabled == 1})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	via, err := db.provisionedVia(ctx)
	if err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Offices, err = db.memberships(ctx, out[i].Login); err != nil {
			return nil, err
		}
		if !out[i].Local {
			out[i].Directory = via[out[i].Login]
		}
	}
	return out, nil
}

// provisionedVia maps each clerk a directory provisioned to the directory
// of its latest provisioning or directory sign-in.
func (db *DB) provisionedVia(ctx context.Context) (map[string]string, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT actor, action FROM audit
		WHERE action IN ('provisioned_oidc', 'provisioned_ldap', 'signed_in_oidc', 'signed_in_ldap') ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("provisioned via: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var login, action string
		if err := rows.Scan(&login, &action); err != nil {
			return nil, err
		}
		out[login] = action[len(action)-4:]
	}
	return out, rows.Err()
}

// SetDisabled disables or enables a clerk; ErrNoClerk if unknown.
func (db *DB) SetDisabled(ctx context.Context, login string, disabled bool) error {
	res, err := db.w.ExecContext(ctx, `UPDATE clerks SET disabled = ? WHERE login = ?`, b2i(disabled), login)
	if err != nil {
		return fmt.Errorf("disable %s: %w", login, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return staff.ErrNoClerk
	}
	return nil
}

// Disabled reports whether a clerk is disabled (false if unknown).
func (db *DB) Disabled(ctx context.Context, login string) (bool, error) {
	var d int
	err := db.r.QueryRowContext(ctx, `SELECT disabled FROM clerks WHERE login = ?`, login).Scan(&d)
	if err == sql.ErrNoRows {
		return false, nil
	}
	return d == 1, err
}

// DeleteClerk removes a clerk with its office memberships and sessions;
// ErrNoClerk if unknown. Tickets and audit entries keep the login.
func (db *DB) DeleteClerk(ctx context.Context, login string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{`DELETE FROM sessions WHERE login = ?`, `DELETE FROM memberships WHERE login = ?`} {
			if _, err := tx.ExecContext(ctx, q, login); err != nil {
				return fmt.Errorf("delete clerk %s: %w", login, err)
			}
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM clerks WHERE login = ?`, login)
		if err != nil {
			return fmt.Errorf("delete clerk %s: %w", login, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return staff.ErrNoClerk
		}
		return nil
	})
}
