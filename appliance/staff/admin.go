package staff

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/buergerbuero/buergerbuero/appliance/problem"
)

// The administration of clerks (the staff area's web administration and
// its API): field checks that name the field, a local clerk created with a
// one-time password, role and offices changed, one-time password and TOTP
// reset, a clerk disabled (no sign-in at all, sessions ended at once) or
// removed. Clerks a directory provisioned keep the role and offices the
// directory maps; only disabling and removing apply to them.

// AdminAccount is a clerk as the administration lists it.
type AdminAccount struct {
	Clerk
	// Local: the account has a local password; otherwise a directory
	// (Directory: "oidc", "ldap", "" unknown) provisioned it.
	Local     bool
	Directory string
	// MustChange: a one-time password is still to be replaced.
	MustChange bool
	TOTP       bool
	Disabled   bool
}

// AdminStore is the part of the store the administration of clerks needs.
type AdminStore interface {
	AdminAccounts(ctx context.Context) ([]AdminAccount, error)
	SetDisabled(ctx context.Context, login string, disabled bool) error
	Disabled(ctx context.Context, login string) (bool, error)
	// DeleteClerk removes a clerk, its office memberships and sessions.
	DeleteClerk(ctx context.Context, login string) error
}

// Errors of the administration.
var (
	ErrDisabled = problem.New(problem.KindForbidden, "account_disabled")
	// ErrDirectoryClerk refuses a change the directory decides (role,
	// offices, credentials of a clerk it provisioned).
	ErrDirectoryClerk = problem.New(problem.KindConflict, "directory_clerk")
	errClerkExists    = &problem.Error{Kind: problem.KindConflict, Code: "clerk_exists", Field: "login"}
	errNoAdminStore   = errors.New("the store does not support the administration of clerks")
)

// FieldErrors are the field problems of one input, in form order; it
// unwraps to the first.
type FieldErrors []*problem.Error

func (f FieldErrors) Error() string { return f[0].Error() }

// Unwrap gives the first problem (HTTP status, API error body).
func (f FieldErrors) Unwrap() error { return f[0] }

// CheckClerk checks a clerk's fields: every problem, each naming its field
// (login, display_name, role, matrix_id). ValidateClerk applies the same
// rules for the command line.
func CheckClerk(c Clerk) FieldErrors {
	var out FieldErrors
	if !loginRE.MatchString(c.Login) {
		out = append(out, problem.Invalid("login", "login_format", map[string]any{"Min": 2, "Max": 40}))
	}
	if strings.TrimSpace(c.DisplayName) == "" || len(c.DisplayName) > MaxDisplayName {
		out = append(out, problem.Invalid("display_name", "display_name_length", map[string]any{"Max": MaxDisplayName}))
	}
	if !slices.Contains([]Role{RoleClerk, RoleLead, RoleAdmin}, c.Role) {
		out = append(out, problem.Invalid("role", "role", map[string]any{"Allowed": []string{string(RoleClerk), string(RoleLead), string(RoleAdmin)}}))
	}
	if c.MatrixID != "" && (!strings.HasPrefix(c.MatrixID, "@") || !strings.Contains(c.MatrixID, ":")) {
		out = append(out, problem.Invalid("matrix_id", "matrix_id_format", nil))
	}
	return out
}

func (s *Service) admin() (AdminStore, error) {
	a, ok := s.store.(AdminStore)
	if !ok {
		return nil, errNoAdminStore
	}
	return a, nil
}

// Accounts lists every clerk with the account's state.
func (s *Service) Accounts(ctx context.Context) ([]AdminAccount, error) {
	a, err := s.admin()
	if err != nil {
		return nil, err
	}
	return a.AdminAccounts(ctx)
}

// Account is one clerk with the account's state; ErrNoClerk if unknown.
func (s *Service) Account(ctx context.Context, login string) (AdminAccount, error) {
	list, err := s.Accounts(ctx)
	if err != nil {
		return AdminAccount{}, err
	}
	for _, a := range list {
		if a.Login == login {
			return a, nil
		}
	}
	return AdminAccount{}, ErrNoClerk
}

// Create adds a local clerk with a one-time password, which it returns
// (shown once; the clerk replaces it at the first sign-in).
func (s *Service) Create(ctx context.Context, c Clerk) (string, error) {
	errs := CheckClerk(c)
	if _, err := s.store.Account(ctx, c.Login); err == nil {
		errs = append(FieldErrors{errClerkExists}, errs...)
	} else if !errors.Is(err, ErrNoClerk) {
		return "", err
	}
	if len(errs) > 0 {
		return "", errs
	}
	pw := RandomToken(12)
	if err := s.Save(ctx, c, pw, true); err != nil {
		return "", fmt.Errorf("create clerk %s: %w", c.Login, err)
	}
	return pw, nil
}

// local loads a local account for a change the directory does not own.
func (s *Service) local(ctx context.Context, login string) (Account, error) {
	a, err := s.store.Account(ctx, login)
	if err != nil {
		return a, err
	}
	if a.PasswordHash == "" {
		return a, ErrDirectoryClerk
	}
	return a, nil
}

// Update changes a local clerk's display name, role and offices (password,
// TOTP, presence and Matrix id stay). The change applies from the clerk's
// next request.
func (s *Service) Update(ctx context.Context, c Clerk) error {
	a, err := s.local(ctx, c.Login)
	if err != nil {
		return err
	}
	c.MatrixID = a.MatrixID
	if errs := CheckClerk(c); len(errs) > 0 {
		return errs
	}
	if err := s.store.SaveClerk(ctx, c, "", false, clerkAudit(c)); err != nil {
		return fmt.Errorf("update clerk %s: %w", c.Login, err)
	}
	if s.OnPresence != nil {
		// the reception learns the new offices and role of a clerk on duty
		if now, err := s.Clerk(ctx, c.Login); err == nil {
			s.OnPresence(now)
		}
	}
	return nil
}

// ResetPassword gives a local clerk a new one-time password, which it
// returns, and ends the clerk's sessions.
func (s *Service) ResetPassword(ctx context.Context, login string) (string, error) {
	if _, err := s.local(ctx, login); err != nil {
		return "", err
	}
	pw := RandomToken(12)
	hash, err := HashPassword(pw)
	if err != nil {
		return "", err
	}
	if err := s.store.SetPassword(ctx, login, hash, true); err != nil {
		return "", fmt.Errorf("reset password of %s: %w", login, err)
	}
	return pw, s.store.DeleteSessions(ctx, login, "")
}

// ResetLocalTOTP is ResetTOTP for a local account only.
func (s *Service) ResetLocalTOTP(ctx context.Context, login string) error {
	if _, err := s.local(ctx, login); err != nil {
		return err
	}
	return s.ResetTOTP(ctx, login)
}

// SetDisabled disables a clerk, ending every session at once (the next
// request is refused), or enables it again.
func (s *Service) SetDisabled(ctx context.Context, login string, disabled bool) error {
	a, err := s.admin()
	if err != nil {
		return err
	}
	if err := a.SetDisabled(ctx, login, disabled); err != nil {
		return err
	}
	if !disabled {
		return nil
	}
	return s.EndSessions(ctx, login, "disabled")
}

// Remove deletes a clerk after ending its sessions. A clerk a directory
// provisioned comes back at its next directory sign-in; disable it to
// keep it out.
func (s *Service) Remove(ctx context.Context, login string) error {
	a, err := s.admin()
	if err != nil {
		return err
	}
	if _, err := s.store.Account(ctx, login); err != nil {
		return err
	}
	if err := s.EndSessions(ctx, login, "removed"); err != nil {
		return err
	}
	return a.DeleteClerk(ctx, login)
}

// IsDisabled reports whether a clerk is disabled; a store without the
// administration has no disabled clerks.
func (s *Service) IsDisabled(ctx context.Context, login string) bool {
	a, err := s.admin()
	if err != nil {
		return false
	}
	d, err := a.Disabled(ctx, login)
	return err != nil || d
}

// refuseDisabled stops a sign-in of a disabled clerk.
func (s *Service) refuseDisabled(ctx context.Context, login string) error {
	if s.IsDisabled(ctx, login) {
		s.audit(ctx, login, "sign_in_refused", "disabled")
		return ErrDisabled
	}
	return nil
}
