package staff

import (
	"context"
	"time"
)

// SSOGrant is what a directory clerk's session is re-checked with, per
// session (by HashToken of its token): the OpenID provider's grant or the
// LDAP flag. Sealed is the caller's (appliance/web seals the provider's
// tokens with a key derived from the session token, which only the
// browser has); the store never sees a token.
type SSOGrant struct {
	Login   string
	Kind    string // "oidc" or "ldap"
	Subject string
	Sealed  []byte
	Checked time.Time // the last re-check
	Expires time.Time // the staff session's absolute deadline
}

// SSOGrants keeps the grants of directory sessions for every node
// (appliance/store), so that any node re-checks a session and a restart
// keeps it. All methods are safe for concurrent use by several processes.
//
//   - SSOGrantPut stores a session's grant, replacing one that was there.
//   - SSOGrantGet loads it; found is false for none or one past Expires.
//   - SSOGrantClaim moves Checked from prev to at only if it is still
//     prev, atomically, and reports whether it did: of several nodes
//     re-checking one session at once exactly one wins.
//   - SSOGrantUpdate replaces Sealed only if Checked is still checked
//     (the caller's claim); false if the row is gone or claimed since.
//   - SSOGrantDelete and SSOGrantDeleteLogin forget one session's grant
//     and every grant of a clerk; missing rows are no error.
type SSOGrants interface {
	SSOGrantPut(ctx context.Context, sessionHash string, g SSOGrant) error
	SSOGrantGet(ctx context.Context, sessionHash string) (g SSOGrant, found bool, err error)
	SSOGrantClaim(ctx context.Context, sessionHash string, prev, at time.Time) (bool, error)
	SSOGrantUpdate(ctx context.Context, sessionHash string, checked time.Time, sealed []byte) (bool, error)
	SSOGrantDelete(ctx context.Context, sessionHash string) error
	SSOGrantDeleteLogin(ctx context.Context, login string) error
}
