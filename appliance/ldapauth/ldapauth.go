// Package ldapauth owns staff sign-in against an LDAP directory (Active
// Directory, OpenLDAP): the TLS connection (LDAPS or required StartTLS),
// the user search with the search account, the bind as the user with the
// typed password, the user's groups including nested groups (Active
// Directory's LDAP_MATCHING_RULE_IN_CHAIN, or resolved here with a depth
// limit), their mapping to offices and a staff role, and the periodic
// re-check. It keeps neither sessions nor clerks: the staff package and
// the web layer do, as for OpenID Connect.
package ldapauth

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/buergerbuero/buergerbuero/appliance/config"
	"github.com/buergerbuero/buergerbuero/appliance/problem"
	"github.com/buergerbuero/buergerbuero/appliance/staff"
)

// Errors the web layer shows; their texts are in the catalogue. A wrong
// login or password is staff.ErrLogin, as for a local account.
var (
	// ErrUnavailable: the directory could not be reached, or refused TLS.
	ErrUnavailable = problem.New(problem.KindClosed, "ldap_unavailable")
	// ErrNoAccess: the password was right, but no group of the user maps.
	ErrNoAccess = problem.New(problem.KindForbidden, "ldap_no_access")
)

// InChainOID is Active Directory's LDAP_MATCHING_RULE_IN_CHAIN.
const InChainOID = "1.2.840.113556.1.4.1941"

// adCapability in a root DSE's supportedCapabilities marks Active Directory.
const adCapability = "1.2.840.113556.1.4.800"

// Directory is one configured directory.
type Directory struct {
	cfg    *config.LDAP
	tls    *tls.Config
	groups []*ldap.DN // parsed cfg.Groups[i].DN

	mu      sync.Mutex
	inChain *bool // detected once ("auto")
}

// New checks the configuration; it does not contact the directory (the
// appliance starts while the directory is down).
func New(cfg *config.LDAP) (*Directory, error) {
	cfg.ApplyDefaults()
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("auth.ldap.url: %w", err)
	}
	tc := &tls.Config{ServerName: u.Hostname(), MinVersion: tls.VersionTLS12}
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("auth.ldap.ca_file: %w", err)
		}
		tc.RootCAs = x509.NewCertPool()
		if !tc.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("auth.ldap.ca_file %s: no PEM certificate", cfg.CAFile)
		}
	}
	d := &Directory{cfg: cfg, tls: tc}
	for i, g := range cfg.Groups {
		dn, err := ldap.ParseDN(g.DN)
		if err != nil {
			return nil, fmt.Errorf("auth.ldap.groups[%d].dn: %w", i, err)
		}
		d.groups = append(d.groups, dn)
	}
	switch cfg.Nested {
	case "in_chain", "client":
		v := cfg.Nested == "in_chain"
		d.inChain = &v
	}
	return d, nil
}

// Recheck is how often a session's clerk is looked up again.
func (d *Directory) Recheck() time.Duration { return d.cfg.Recheck.Duration }

// GroupsFor names the mapped groups (DNs) that grant an office (the
// administration shows where a clerk's office comes from).
func (d *Directory) GroupsFor(office string) []string {
	var out []string
	for _, g := range d.cfg.Groups {
		if slices.Contains(g.Offices, office) {
			out = append(out, g.DN)
		}
	}
	return out
}

// Authenticate checks login and password: the user is searched, bound as
// with the password, and mapped. A wrong login or password (or an empty
// password, which LDAP would take as an anonymous bind) is staff.ErrLogin.
func (d *Directory) Authenticate(ctx context.Context, login, password string) (staff.Clerk, error) {
	login = normalise(login)
	if login == "" || password == "" {
		return staff.Clerk{}, staff.ErrLogin
	}
	c, err := d.connect()
	if err != nil {
		return staff.Clerk{}, err
	}
	defer c.Close()
	u, err := d.user(c, login)
	if errors.Is(err, errNoUser) {
		return staff.Clerk{}, staff.ErrLogin
	}
	if err != nil {
		return staff.Clerk{}, err
	}
	if err := c.Bind(u.DN, password); err != nil {
		if ldap.IsErrorAnyOf(err, ldap.LDAPResultInvalidCredentials, ldap.LDAPResultInappropriateAuthentication, ldap.LDAPResultUnwillingToPerform) {
			return staff.Clerk{}, staff.ErrLogin
		}
		return staff.Clerk{}, unavailable("bind as user", err)
	}
	if err := d.bindService(c); err != nil { // groups are read as the search account
		return staff.Clerk{}, err
	}
	return d.mapUser(c, login, u)
}

// Check looks a signed-in clerk up again: a user gone from the directory
// or from every mapped group is ErrNoAccess; an unreachable directory is
// ErrUnavailable.
func (d *Directory) Check(ctx context.Context, login string) (staff.Clerk, error) {
	c, err := d.connect()
	if err != nil {
		return staff.Clerk{}, err
	}
	defer c.Close()
	u, err := d.user(c, login)
	if errors.Is(err, errNoUser) {
		return staff.Clerk{}, ErrNoAccess
	}
	if err != nil {
		return staff.Clerk{}, err
	}
	return d.mapUser(c, login, u)
}

var errNoUser = errors.New("no such user")

func normalise(login string) string { return strings.ToLower(strings.TrimSpace(login)) }

func unavailable(what string, err error) error {
	return fmt.Errorf("%w: %s: %v", ErrUnavailable, what, err)
}

// connect dials with TLS (LDAPS, or StartTLS which must succeed) and binds
// the search account.
func (d *Directory) connect() (*ldap.Conn, error) {
	dialer := &net.Dialer{Timeout: d.cfg.Timeout.Duration}
	c, err := ldap.DialURL(d.cfg.URL, ldap.DialWithDialer(dialer), ldap.DialWithTLSConfig(d.tls))
	if err != nil {
		return nil, unavailable("dial", err)
	}
	c.SetTimeout(d.cfg.Timeout.Duration)
	if strings.HasPrefix(strings.ToLower(d.cfg.URL), "ldap://") && d.cfg.TLS != config.LDAPNoTLS {
		if err := c.StartTLS(d.tls); err != nil {
			c.Close()
			return nil, unavailable("starttls (required)", err)
		}
	}
	if err := d.bindService(c); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func (d *Directory) bindService(c *ldap.Conn) error {
	pw, err := d.cfg.BindPassword()
	if err != nil {
		return unavailable("search account", err)
	}
	if err := c.Bind(d.cfg.BindDN, pw); err != nil {
		return unavailable("bind as search account", err)
	}
	return nil
}

// user finds exactly one entry for login.
func (d *Directory) user(c *ldap.Conn, login string) (*ldap.Entry, error) {
	filter := strings.ReplaceAll(d.cfg.UserFilter, "{login}", ldap.EscapeFilter(login))
	res, err := c.Search(ldap.NewSearchRequest(d.cfg.UserBase, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 2,
		int(d.cfg.Timeout.Seconds()), false, filter, []string{d.cfg.NameAttribute, "cn"}, nil))
	if err != nil && !ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded) {
		if ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
			return nil, errNoUser
		}
		return nil, unavailable("user search", err)
	}
	if res == nil || len(res.Entries) != 1 { // none, or ambiguous
		return nil, errNoUser
	}
	return res.Entries[0], nil
}

// mapUser reads the user's groups and maps them as auth.oidc does.
func (d *Directory) mapUser(c *ldap.Conn, login string, u *ldap.Entry) (staff.Clerk, error) {
	groups, err := d.groupsOf(c, u.DN)
	if err != nil {
		return staff.Clerk{}, err
	}
	name := strings.TrimSpace(u.GetAttributeValue(d.cfg.NameAttribute))
	if name == "" {
		name = u.GetAttributeValue("cn")
	}
	var matched []staff.Grant
	for i, g := range d.cfg.Groups {
		if slices.ContainsFunc(groups, d.groups[i].EqualFold) {
			matched = append(matched, staff.Grant{Offices: g.Offices, Role: g.Role})
		}
	}
	cl, ok := staff.FromGrants(login, name, matched)
	if !ok {
		return staff.Clerk{}, ErrNoAccess
	}
	return cl, nil
}

// groupsOf returns the DNs of every group the entry belongs to, directly
// or through nested groups.
func (d *Directory) groupsOf(c *ldap.Conn, dn string) ([]*ldap.DN, error) {
	member := ldap.EscapeFilter(d.cfg.MemberAttribute)
	if d.useInChain(c) {
		f := fmt.Sprintf("(&%s(%s:%s:=%s))", d.cfg.GroupFilter, member, InChainOID, ldap.EscapeFilter(dn))
		return d.searchGroups(c, f)
	}
	var all []*ldap.DN
	seen := map[string]bool{}
	frontier := []string{dn}
	for depth := 0; depth < d.cfg.NestedDepth && len(frontier) > 0; depth++ {
		var or strings.Builder
		for _, m := range frontier {
			fmt.Fprintf(&or, "(%s=%s)", member, ldap.EscapeFilter(m))
		}
		found, err := d.searchGroups(c, fmt.Sprintf("(&%s(|%s))", d.cfg.GroupFilter, or.String()))
		if err != nil {
			return nil, err
		}
		frontier = frontier[:0]
		for _, g := range found {
			k := strings.ToLower(g.String())
			if seen[k] {
				continue
			}
			seen[k] = true
			all = append(all, g)
			frontier = append(frontier, g.String())
		}
	}
	return all, nil
}

func (d *Directory) searchGroups(c *ldap.Conn, filter string) ([]*ldap.DN, error) {
	res, err := c.SearchWithPaging(ldap.NewSearchRequest(d.cfg.GroupBase, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0,
		int(d.cfg.Timeout.Seconds()), false, filter, []string{"1.1"}, nil), 500)
	if err != nil {
		return nil, unavailable("group search", err)
	}
	var out []*ldap.DN
	for _, e := range res.Entries {
		if dn, err := ldap.ParseDN(e.DN); err == nil {
			out = append(out, dn)
		}
	}
	return out, nil
}

// useInChain reports whether to ask the directory for nested groups
// ("auto": whether its root DSE says Active Directory; asked once).
func (d *Directory) useInChain(c *ldap.Conn) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.inChain != nil {
		return *d.inChain
	}
	res, err := c.Search(ldap.NewSearchRequest("", ldap.ScopeBaseObject, ldap.NeverDerefAliases, 1,
		int(d.cfg.Timeout.Seconds()), false, "(objectClass=*)", []string{"supportedCapabilities"}, nil))
	if err != nil || len(res.Entries) == 0 {
		return false // ask again next time
	}
	v := slices.Contains(res.Entries[0].GetAttributeValues("supportedCapabilities"), adCapability)
	d.inChain = &v
	return v
}
