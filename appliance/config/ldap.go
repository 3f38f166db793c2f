package config

import (
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"
)

// LDAP signs staff in against the county's directory (Active Directory,
// OpenLDAP): the appliance finds the user with a search account, binds as
// the user with the typed password, and maps the user's groups (nested
// groups included) to offices and a role, as auth.oidc does. Clerks are
// created at their first sign-in and checked again every Recheck. Local
// accounts keep working beside it (break-glass). See docs/ldap.md.
type LDAP struct {
	// URL of the directory: ldaps://dc1.kreis.local (TLS from the first
	// byte) or ldap://dc1.kreis.local (StartTLS, required).
	URL string `yaml:"url"`
	// TLS for an ldap:// URL: "starttls" (default, required) or
	// "none-for-tests-only" (a plain connection; never in production).
	TLS string `yaml:"tls"`
	// CAFile is the PEM of the directory's CA; "" = the system roots.
	CAFile string `yaml:"ca_file"`
	// BindDN is the search account, e.g.
	// "CN=svc-buergerbuero,OU=Dienste,DC=kreis,DC=local".
	BindDN string `yaml:"bind_dn"`
	// BindPasswordFile holds the search account's password.
	BindPasswordFile string `yaml:"bind_password_file"`
	// UserBase is where users are searched, e.g. "OU=Mitarbeitende,DC=kreis,DC=local".
	UserBase string `yaml:"user_base"`
	// UserFilter finds one user by the typed login; {login} is replaced by
	// the escaped login. Default "(sAMAccountName={login})" (Active
	// Directory); OpenLDAP: "(uid={login})".
	UserFilter string `yaml:"user_filter"`
	// NameAttribute is the user's display name; default "displayName"
	// (else cn).
	NameAttribute string `yaml:"name_attribute"`
	// GroupBase is where groups are searched (required).
	GroupBase string `yaml:"group_base"`
	// GroupFilter selects group entries; default
	// "(|(objectClass=group)(objectClass=groupOfNames))".
	GroupFilter string `yaml:"group_filter"`
	// MemberAttribute of a group naming its members' DNs; default "member".
	MemberAttribute string `yaml:"member_attribute"`
	// Nested selects how nested groups are found: "in_chain" (Active
	// Directory's LDAP_MATCHING_RULE_IN_CHAIN, 1.2.840.113556.1.4.1941),
	// "client" (resolved by the appliance, for OpenLDAP and others) or
	// "auto" (default: in_chain when the root DSE says Active Directory).
	Nested string `yaml:"nested"`
	// NestedDepth bounds client-side nesting; default 5.
	NestedDepth int `yaml:"nested_depth"`
	// Groups map group DNs to offices and a staff role; a clerk gets the
	// offices of every matching group and the highest role. A user in no
	// mapped group is refused.
	Groups []LDAPGroup `yaml:"groups"`
	// Recheck is how often a signed-in clerk is looked up again; a clerk
	// removed from the directory or from the mapped groups loses the
	// session at the next request after it. Default 5m.
	Recheck Duration `yaml:"recheck"`
	// Timeout bounds one directory operation; default 5s.
	Timeout Duration `yaml:"timeout"`
}

// LDAPGroup maps one group.
type LDAPGroup struct {
	// DN of the group, e.g. "CN=GG-Bauamt,OU=Gruppen,DC=kreis,DC=local"
	// (compared case-insensitively).
	DN string `yaml:"dn"`
	// Offices the group grants (office ids).
	Offices []string `yaml:"offices"`
	// Role: clerk, lead or admin; default clerk.
	Role string `yaml:"role"`
}

// LDAP TLS modes.
const (
	LDAPStartTLS = "starttls"
	LDAPNoTLS    = "none-for-tests-only"
)

// BindPassword reads the search account's password.
func (l *LDAP) BindPassword() (string, error) {
	b, err := os.ReadFile(l.BindPasswordFile)
	if err != nil {
		return "", fmt.Errorf("auth.ldap.bind_password_file: %w", err)
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}

// ApplyDefaults fills unset fields (idempotent).
func (l *LDAP) ApplyDefaults() {
	if l.TLS == "" && strings.HasPrefix(strings.ToLower(l.URL), "ldap://") {
		l.TLS = LDAPStartTLS
	}
	if l.UserFilter == "" {
		l.UserFilter = "(sAMAccountName={login})"
	}
	if l.NameAttribute == "" {
		l.NameAttribute = "displayName"
	}
	if l.GroupFilter == "" {
		l.GroupFilter = "(|(objectClass=group)(objectClass=groupOfNames))"
	}
	if l.MemberAttribute == "" {
		l.MemberAttribute = "member"
	}
	if l.Nested == "" {
		l.Nested = "auto"
	}
	if l.NestedDepth == 0 {
		l.NestedDepth = 5
	}
	if l.Recheck.Duration == 0 {
		l.Recheck = Duration{5 * time.Minute}
	}
	if l.Timeout.Duration == 0 {
		l.Timeout = Duration{5 * time.Second}
	}
	for i := range l.Groups {
		if l.Groups[i].Role == "" {
			l.Groups[i].Role = "clerk"
		}
	}
}

func (l *LDAP) validate() error {
	u, err := url.Parse(l.URL)
	if err != nil || u.Host == "" || (u.Scheme != "ldap" && u.Scheme != "ldaps") {
		return bad("auth.ldap.url", fmt.Sprintf("%q", l.URL), "ldaps://host[:port] or ldap://host[:port] (with StartTLS)")
	}
	switch {
	case u.Scheme == "ldaps" && l.TLS != "":
		return bad("auth.ldap.tls", fmt.Sprintf("%q", l.TLS), "leave out for an ldaps:// URL")
	case u.Scheme == "ldap" && l.TLS != LDAPStartTLS && l.TLS != LDAPNoTLS:
		return bad("auth.ldap.tls", fmt.Sprintf("%q", l.TLS), "starttls ("+LDAPNoTLS+" only in tests)")
	}
	if l.CAFile != "" {
		if _, err := os.Stat(l.CAFile); err != nil {
			return bad("auth.ldap.ca_file", fmt.Sprintf("%q is not readable", l.CAFile), "a PEM file of the directory's CA, or empty for the system roots")
		}
	}
	if strings.TrimSpace(l.BindDN) == "" {
		return bad("auth.ldap.bind_dn", "must not be empty", "the DN of the search account")
	}
	if p, err := l.BindPassword(); err != nil || p == "" {
		return bad("auth.ldap.bind_password_file", fmt.Sprintf("%q is not a readable, non-empty file", l.BindPasswordFile), "a file holding the search account's password")
	}
	if strings.TrimSpace(l.UserBase) == "" {
		return bad("auth.ldap.user_base", "must not be empty", "the DN under which users are searched")
	}
	if !strings.Contains(l.UserFilter, "{login}") || !strings.HasPrefix(l.UserFilter, "(") {
		return bad("auth.ldap.user_filter", fmt.Sprintf("%q", l.UserFilter), "an LDAP filter with {login}, e.g. (sAMAccountName={login})")
	}
	if strings.TrimSpace(l.GroupBase) == "" {
		return bad("auth.ldap.group_base", "must not be empty", "the DN under which groups are searched")
	}
	if !strings.HasPrefix(l.GroupFilter, "(") {
		return bad("auth.ldap.group_filter", fmt.Sprintf("%q", l.GroupFilter), "an LDAP filter, e.g. (objectClass=group)")
	}
	if !slices.Contains([]string{"auto", "in_chain", "client"}, l.Nested) {
		return bad("auth.ldap.nested", fmt.Sprintf("%q", l.Nested), "auto, in_chain (Active Directory), client")
	}
	if l.NestedDepth < 1 || l.NestedDepth > 20 {
		return bad("auth.ldap.nested_depth", fmt.Sprint(l.NestedDepth), "1 to 20")
	}
	if len(l.Groups) == 0 {
		return bad("auth.ldap.groups", "empty: nobody could sign in", "at least one {dn, offices, role}")
	}
	for i, g := range l.Groups {
		f := fmt.Sprintf("auth.ldap.groups[%d]", i)
		if !strings.Contains(g.DN, "=") {
			return bad(f+".dn", fmt.Sprintf("%q", g.DN), "a group's DN, e.g. CN=GG-Bauamt,OU=Gruppen,DC=kreis,DC=local")
		}
		if !slices.Contains([]string{"clerk", "lead", "admin"}, g.Role) {
			return bad(f+".role", fmt.Sprintf("%q", g.Role), "clerk, lead, admin")
		}
		if len(g.Offices) == 0 && g.Role != "admin" {
			return bad(f+".offices", "empty", "office ids (an admin may have none)")
		}
	}
	if l.Recheck.Duration < time.Second || l.Recheck.Duration > 24*time.Hour {
		return bad("auth.ldap.recheck", l.Recheck.String(), "1s to 24h")
	}
	if l.Timeout.Duration < 100*time.Millisecond || l.Timeout.Duration > time.Minute {
		return bad("auth.ldap.timeout", l.Timeout.String(), "100ms to 1m")
	}
	return nil
}
