package web

import "github.com/buergerbuero/buergerbuero/appliance/staff"

// The template functions of the administration pages (adminusers.html,
// audit.html), added to the shared map before any template is parsed.
func init() {
	// roleOf pairs a role with the page language for "adminusers-role"
	templateFuncs["roleOf"] = func(l pageLang, r staff.Role) clerkRole { return clerkRole{l, r} }
	// fieldErr is a field's message for "adminusers-fielderror"
	templateFuncs["fieldErr"] = func(errs formErrors, field string) fieldError { return fieldError{field, errs.Err(field)} }
}

type clerkRole struct {
	Lang pageLang
	Role staff.Role
}
