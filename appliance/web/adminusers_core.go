package web

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/buergerbuero/buergerbuero/appliance/audit"
	"github.com/buergerbuero/buergerbuero/appliance/problem"
	"github.com/buergerbuero/buergerbuero/appliance/reception"
	"github.com/buergerbuero/buergerbuero/appliance/staff"
)

// The administration of clerks and the audit-log viewer (issue 15 §2),
// for admins only: pages under /staff/admin/ (adminusers_pages.go,
// audit_pages.go) and the API under /api/v1/staff/admin/
// (adminusers_api.go). The rules live in package staff; this file holds
// what pages and API share: who may, the office check, the audit entry
// each change writes.

var (
	errOwnAccount = problem.New(problem.KindForbidden, "own_account")
	errAuditOnly  = problem.New(problem.KindForbidden, "audit_forbidden")
)

// isAdmin: only a named admin (a session, or a service client acting for
// one) administers clerks and reads the audit log.
func isAdmin(a reception.Actor) bool { return a.Clerk.Login != "" && a.Clerk.Role == staff.RoleAdmin }

// auditScope is what of the audit log a member of staff reads: an admin
// every entry (nil), an office lead the entries of their offices; ok is
// false for anybody else.
func auditScope(a reception.Actor) (offices []string, ok bool) {
	switch {
	case isAdmin(a):
		return nil, true
	case a.Clerk.Login != "" && a.Clerk.Role == staff.RoleLead:
		return append([]string{}, a.Clerk.Offices...), true
	}
	return nil, false
}

func mayReadAudit(a reception.Actor) bool { _, ok := auditScope(a); return ok }

// adminOnly guards an administration API endpoint: staffOnly, then the
// admin role.
func (s *Server) adminOnly(h http.HandlerFunc) http.HandlerFunc {
	return s.staffOnly(func(w http.ResponseWriter, r *http.Request) {
		if !isAdmin(actorOf(r)) {
			s.writeProblem(w, r, errAdminOnly)
			return
		}
		h(w, r)
	})
}

// checkOffices adds a problem for offices that do not exist.
func (s *Server) checkOffices(offices []string, errs staff.FieldErrors) staff.FieldErrors {
	known := map[string]bool{}
	for _, o := range s.rec.Offices() {
		known[o.ID] = true
	}
	for _, o := range offices {
		if !known[o] {
			return append(errs, problem.Invalid("offices", "no_such_office", nil))
		}
	}
	return errs
}

// createClerk checks and creates a local clerk and records it; it returns
// the one-time password.
func (s *Server) createClerk(ctx context.Context, admin string, c staff.Clerk) (string, error) {
	c.Offices = officeSet(c.Offices)
	if errs := s.checkOffices(c.Offices, nil); len(errs) > 0 {
		errs = append(staff.CheckClerk(c), errs...)
		return "", errs
	}
	pw, err := s.staff.Create(ctx, c)
	if err != nil {
		return "", err
	}
	s.recordAdmin(ctx, admin, "admin.clerk.create", c.Login, "role="+string(c.Role)+" offices="+strings.Join(c.Offices, ","))
	return pw, nil
}

// updateClerk changes a local clerk's name, role and offices and records
// which fields changed.
func (s *Server) updateClerk(ctx context.Context, admin string, c staff.Clerk) error {
	old, err := s.staff.Account(ctx, c.Login)
	if err != nil {
		return err
	}
	if !old.Local {
		return staff.ErrDirectoryClerk
	}
	if c.Login == admin && c.Role != staff.RoleAdmin {
		return errOwnAccount
	}
	c.Offices = officeSet(c.Offices)
	if errs := s.checkOffices(c.Offices, nil); len(errs) > 0 {
		return append(staff.CheckClerk(c), errs...)
	}
	if err := s.staff.Update(ctx, c); err != nil {
		return err
	}
	var changed []string
	if old.DisplayName != c.DisplayName {
		changed = append(changed, "display_name")
	}
	if old.Role != c.Role {
		changed = append(changed, "role")
	}
	if !slices.Equal(old.Offices, c.Offices) {
		changed = append(changed, "offices")
	}
	s.recordAdmin(ctx, admin, "admin.clerk.update", c.Login, "changed="+strings.Join(changed, ",")+" role="+string(c.Role)+" offices="+strings.Join(c.Offices, ","))
	return nil
}

// officeSet is a list of offices sorted, each once (as the store keeps
// memberships).
func officeSet(xs []string) []string {
	out := slices.Clone(xs)
	slices.Sort(out)
	return slices.Compact(out)
}

// clerkActions are the changes to one clerk besides its fields.
var clerkActions = []string{"reset-password", "reset-totp", "disable", "enable", "remove"}

// clerkAction applies one of clerkActions and records it; reset-password
// returns the new one-time password.
func (s *Server) clerkAction(ctx context.Context, admin, login, action string) (string, error) {
	if !slices.Contains(clerkActions, action) {
		return "", errNotFound
	}
	if login == admin && action != "reset-totp" {
		return "", errOwnAccount
	}
	var pw string
	var err error
	switch action {
	case "reset-password":
		pw, err = s.staff.ResetPassword(ctx, login)
	case "reset-totp":
		err = s.staff.ResetLocalTOTP(ctx, login)
	case "disable", "enable":
		if _, err = s.staff.Account(ctx, login); err == nil {
			err = s.staff.SetDisabled(ctx, login, action == "disable")
		}
	case "remove":
		err = s.staff.Remove(ctx, login)
	}
	if err != nil {
		return "", err
	}
	s.recordAdmin(ctx, admin, "admin.clerk."+strings.ReplaceAll(action, "-", "_"), login, "")
	return pw, nil
}

// recordAdmin writes an administrator's change to the audit log: the
// clerk's login and the fields, never a password or a name.
func (s *Server) recordAdmin(ctx context.Context, admin, action, login, detail string) {
	if s.opt.Audit == nil {
		return
	}
	d := "login=" + login
	if detail != "" {
		d += " " + detail
	}
	if err := s.opt.Audit.Record(ctx, audit.Entry{Actor: admin, Action: action, Detail: d}); err != nil {
		s.log.Error("audit", "action", action, "err", err)
	}
}

// directoryGroups names the mapped directory groups that grant an office
// to a clerk of the directory via ("oidc", "ldap"; "" either).
func (s *Server) directoryGroups(via, office string) []string {
	var out []string
	if s.opt.OIDC != nil && via != "ldap" {
		out = append(out, s.opt.OIDC.GroupsFor(office)...)
	}
	if s.opt.LDAP != nil && via != "oidc" {
		out = append(out, s.opt.LDAP.GroupsFor(office)...)
	}
	return out
}
