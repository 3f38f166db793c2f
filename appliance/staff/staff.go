// Package staff owns clerks: accounts with roles and office memberships,
// password hashing (argon2id), log-in throttled per client address and per
// account (never a lock anybody could trigger; see Throttle), one-time
// passwords that must be replaced at the first log-in, an optional TOTP
// second factor of local accounts (enforceable per role; totp.go),
// sessions with an absolute and an idle deadline and CSRF tokens,
// presence, and the administration's changes to accounts (one-time
// passwords, disabling, removal; admin.go). It does not
// touch tickets, and it does not decide from where staff may sign in (the
// web layer's staff networks do).
package staff

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/buergerbuero/buergerbuero/appliance/audit"
	"github.com/buergerbuero/buergerbuero/appliance/problem"
)

// Role of a clerk.
type Role string

// Roles. A lead may act for any clerk of their offices; an admin everywhere.
const (
	RoleUnknown Role = ""
	RoleClerk   Role = "clerk"
	RoleLead    Role = "lead"
	RoleAdmin   Role = "admin"
)

// Presence of a clerk; it drives the public "chairs free" figure.
type Presence string

// Presence values.
const (
	PresenceAvailable      Presence = "available"
	PresenceInConsultation Presence = "in_consultation"
	PresenceBreak          Presence = "break"
	PresenceOffline        Presence = "offline"
)

// ValidPresence reports whether p is a known presence.
func ValidPresence(p Presence) bool {
	return slices.Contains([]Presence{PresenceAvailable, PresenceInConsultation, PresenceBreak, PresenceOffline}, p)
}

// Clerk is a member of staff as others see them.
type Clerk struct {
	Login       string   `json:"login"`
	DisplayName string   `json:"display_name"`
	Role        Role     `json:"role"`
	Offices     []string `json:"offices"`
	Presence    Presence `json:"presence"`
	MatrixID    string   `json:"matrix_id,omitempty"`
}

// MemberOf reports whether the clerk may work in the office.
func (c Clerk) MemberOf(office string) bool {
	return c.Role == RoleAdmin || slices.Contains(c.Offices, office)
}

// Account is a clerk with credentials.
type Account struct {
	Clerk
	PasswordHash string
	// MustChange marks a one-time password: the clerk must set a new one
	// before doing anything else.
	MustChange bool
	// TOTPSecret is the enrolled second factor of a local account ("" none).
	TOTPSecret string
}

// StoredSession is a session as the store keeps it.
type StoredSession struct {
	Login    string
	CSRF     string
	Expires  time.Time
	LastSeen time.Time // last recorded use, at most about a minute old
}

// Errors callers branch on.
var (
	ErrNoClerk   = problem.New(problem.KindNotFound, "no_clerk")
	ErrNoSession = problem.New(problem.KindUnauthorized, "no_session")
	ErrLogin     = problem.New(problem.KindUnauthorized, "login_failed")
	// ErrPasswordChangeRequired refuses everything but setting a new
	// password (and logging out) to a session opened with a one-time password.
	ErrPasswordChangeRequired = problem.New(problem.KindForbidden, "password_change_required")
	ErrCurrentPassword        = &problem.Error{Kind: problem.KindInvalid, Code: "wrong_password", Field: "current_password"}
	ErrNewPasswordShort       = &problem.Error{Kind: problem.KindInvalid, Code: "password_too_short", Field: "new_password",
		Args: map[string]any{"Min": MinNewPassword, "Max": MaxNewPassword}}
	ErrNewPasswordSame = &problem.Error{Kind: problem.KindInvalid, Code: "password_unchanged", Field: "new_password"}
)

// ThrottledError refuses a log-in attempt that came too soon after failed
// ones; Wait is how long the client must wait (HTTP Retry-After).
type ThrottledError struct{ Wait time.Duration }

// Seconds is the wait rounded up to whole seconds (at least 1).
func (e *ThrottledError) Seconds() int { return max(1, int((e.Wait+time.Second-1)/time.Second)) }

func (e *ThrottledError) Error() string { return e.Unwrap().Error() }

// Unwrap gives the problem with the wait (in seconds) as its argument.
func (e *ThrottledError) Unwrap() error {
	return &problem.Error{Kind: problem.KindRateLimited, Code: "login_throttled", Args: map[string]any{"Count": e.Seconds()}}
}

// Store is what this package needs persisted (appliance/store, SQLite or
// PostgreSQL). Implementations are safe for concurrent use, also by
// several processes on one database; each method is atomic on its own.
// SaveClerk writes the clerk with its office memberships and entry (the
// audit entry this package composes, clerkAudit) in one transaction (an
// empty passwordHash keeps the stored one); a later SaveClerk of the same
// login wins.
type Store interface {
	SaveClerk(ctx context.Context, c Clerk, passwordHash string, mustChange bool, entry audit.Entry) error
	Account(ctx context.Context, login string) (Account, error)
	Clerks(ctx context.Context) ([]Clerk, error)
	SetPresence(ctx context.Context, login string, p Presence) error
	SetPassword(ctx context.Context, login, hash string, mustChange bool) error
	CreateSession(ctx context.Context, idHash, login, csrf string, created, expires time.Time) error
	// Session loads a session whatever its deadlines; ErrNoSession if unknown.
	Session(ctx context.Context, idHash string) (StoredSession, error)
	// TouchSession records use of a session.
	TouchSession(ctx context.Context, idHash string, at time.Time) error
	DeleteSession(ctx context.Context, idHash string) error
	// DeleteSessions ends every session of a clerk but the one given.
	DeleteSessions(ctx context.Context, login, exceptIDHash string) error
}

var loginRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,39}$`)

// ValidateClerk checks a clerk's fields (CheckClerk's rules), with the
// first problem said for the command line.
func ValidateClerk(c Clerk) error {
	errs := CheckClerk(c)
	if len(errs) == 0 {
		return nil
	}
	switch errs[0].Field {
	case "login":
		return fmt.Errorf("login %q: use 2-40 lower-case letters, digits, '.', '_' or '-'", c.Login)
	case "display_name":
		return fmt.Errorf("display name: 1 to %d characters", MaxDisplayName)
	case "role":
		return fmt.Errorf("role %q: allowed are clerk, lead, admin", c.Role)
	default:
		return fmt.Errorf("matrix id %q: expected @user:server", c.MatrixID)
	}
}

// argon2id parameters (RFC 9106 second recommended option, memory-constrained).
const (
	argonTime    = 3
	argonMemory  = 64 * 1024
	argonThreads = 2
	argonKeyLen  = 32
)

// HashPassword returns an encoded argon2id hash.
func HashPassword(pw string) (string, error) {
	if len(pw) < 10 || len(pw) > 200 {
		return "", errors.New("password must be 10 to 200 characters")
	}
	salt := make([]byte, 16)
	rand.Read(salt)
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$%s$%s", argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// CheckPassword verifies pw against an encoded argon2id hash in constant time.
func CheckPassword(encoded, pw string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is checked for unknown logins so that timing does not reveal
// which logins exist.
var dummyHash, _ = HashPassword("not-a-real-password-0000")

// RandomToken returns n random bytes, base64url-encoded (n ≥ 16: ≥ 128 bits).
func RandomToken(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashToken is the stored form of a bearer token.
func HashToken(tok string) string {
	h := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(h[:])
}

// clerkAudit is the audit entry of a clerk saved: the login only.
func clerkAudit(c Clerk) audit.Entry {
	return audit.Entry{Actor: "admin", Action: "save_clerk", Detail: c.Login}
}
