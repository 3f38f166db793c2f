package ldapauth_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/config"
	"github.com/buergerbuero/buergerbuero/appliance/ldapauth"
	"github.com/buergerbuero/buergerbuero/appliance/ldapauth/ldaptest"
	"github.com/buergerbuero/buergerbuero/appliance/staff"
)

func TestMain(m *testing.M) { ldaptest.Main(m) }

// ldapConfig is a directory configuration for srv: the Bauamt group
// (reached through nesting) maps to the office bauamt.
func ldapConfig(t *testing.T, srv *ldaptest.Server) *config.LDAP {
	t.Helper()
	pw := filepath.Join(t.TempDir(), "bind.pw")
	if err := os.WriteFile(pw, []byte(ldaptest.BindPassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return &config.LDAP{URL: srv.URL, CAFile: srv.CAFile, BindDN: ldaptest.BindDN, BindPasswordFile: pw,
		UserBase: ldaptest.People, UserFilter: "(uid={login})", GroupBase: ldaptest.Groups,
		Groups: []config.LDAPGroup{{DN: strings.ToUpper(ldaptest.GroupBauamt), Offices: []string{"bauamt"}}}}
}

func directory(t *testing.T, cfg *config.LDAP) *ldapauth.Directory {
	t.Helper()
	d, err := ldapauth.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func uid(t *testing.T) string {
	return "l" + strings.Trim(strings.ToLower(staff.RandomToken(6)), "-_")
}

func TestLDAPAuthenticateNestedGroupOverStartTLS(t *testing.T) {
	srv := ldaptest.Shared(t)
	u := uid(t)
	srv.AddUser(t, u, "richtig-"+u, "Lena Hoffmann", ldaptest.GroupBauamtTeam)
	d := directory(t, ldapConfig(t, srv))
	ctx := context.Background()

	c, err := d.Authenticate(ctx, strings.ToUpper(u), "richtig-"+u)
	if err != nil {
		t.Fatalf("right password: %v", err)
	}
	if c.Login != u || c.DisplayName != "Lena Hoffmann" || c.Role != staff.RoleClerk || !slices.Equal(c.Offices, []string{"bauamt"}) {
		t.Fatalf("clerk %+v, want %s, Lena Hoffmann, clerk of bauamt (through the nested group)", c, u)
	}
	for _, pw := range []string{"falsch", ""} {
		if _, err := d.Authenticate(ctx, u, pw); !errors.Is(err, staff.ErrLogin) {
			t.Fatalf("password %q: %v, want the failed-login error", pw, err)
		}
	}
	if _, err := d.Authenticate(ctx, "niemand", "x"); !errors.Is(err, staff.ErrLogin) {
		t.Fatalf("unknown user: %v, want the failed-login error", err)
	}
	if _, err := d.Authenticate(ctx, "*", "x"); !errors.Is(err, staff.ErrLogin) {
		t.Fatalf("wildcard login: %v, want the failed-login error", err)
	}
}

func TestLDAPNestingDepthAndUnmappedGroup(t *testing.T) {
	srv := ldaptest.Shared(t)
	u, v := uid(t), uid(t)
	srv.AddUser(t, u, "pw-"+u, "Jonas Weber", ldaptest.GroupBauamtTeam)
	srv.AddUser(t, v, "pw-"+v, "Eva Klein", ldaptest.GroupOther)
	cfg := ldapConfig(t, srv)
	cfg.Nested, cfg.NestedDepth = "client", 1 // direct groups only
	if _, err := directory(t, cfg).Authenticate(context.Background(), u, "pw-"+u); !errors.Is(err, ldapauth.ErrNoAccess) {
		t.Fatalf("nesting beyond the depth limit: %v, want no access", err)
	}
	if _, err := directory(t, ldapConfig(t, srv)).Authenticate(context.Background(), v, "pw-"+v); !errors.Is(err, ldapauth.ErrNoAccess) {
		t.Fatalf("only an unmapped group: %v, want no access", err)
	}
}

func TestLDAPRefusesDirectoryWithoutStartTLS(t *testing.T) {
	plain := ldaptest.Start(t, ldaptest.Options{NoTLS: true})
	plain.AddUser(t, "lena", "pw", "Lena", ldaptest.GroupBauamtTeam)
	cfg := ldapConfig(t, plain)
	if _, err := directory(t, cfg).Authenticate(context.Background(), "lena", "pw"); !errors.Is(err, ldapauth.ErrUnavailable) {
		t.Fatalf("directory without StartTLS: %v, want refused as unavailable", err)
	}
	cfg = ldapConfig(t, plain)
	cfg.TLS = config.LDAPNoTLS
	if _, err := directory(t, cfg).Authenticate(context.Background(), "lena", "pw"); err != nil {
		t.Fatalf("explicitly without TLS (tests only): %v", err)
	}
}

func TestLDAPWrongCAIsRefused(t *testing.T) {
	srv := ldaptest.Shared(t)
	other := ldaptest.Start(t, ldaptest.Options{}) // its CA did not sign srv's certificate
	cfg := ldapConfig(t, srv)
	cfg.CAFile = other.CAFile
	if _, err := directory(t, cfg).Authenticate(context.Background(), "x", "y"); !errors.Is(err, ldapauth.ErrUnavailable) {
		t.Fatalf("certificate of an unknown CA: %v, want refused", err)
	}
}

func TestLDAPCheckAfterRemovalAndWhileDown(t *testing.T) {
	srv := ldaptest.Start(t, ldaptest.Options{})
	srv.AddUser(t, "lena", "pw", "Lena", ldaptest.GroupBauamtTeam)
	cfg := ldapConfig(t, srv)
	cfg.Timeout = config.Duration{Duration: time.Second}
	d := directory(t, cfg)
	ctx := context.Background()
	if _, err := d.Check(ctx, "lena"); err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	if _, err := d.Check(ctx, "lena"); !errors.Is(err, ldapauth.ErrUnavailable) {
		t.Fatalf("directory down: %v, want unavailable", err)
	}
	srv.Restart(t)
	srv.RemoveFromGroup(t, "lena", ldaptest.GroupBauamtTeam)
	if _, err := d.Check(ctx, "lena"); !errors.Is(err, ldapauth.ErrNoAccess) {
		t.Fatalf("removed from the group: %v, want no access", err)
	}
	srv.DeleteUser(t, "lena")
	if _, err := d.Check(ctx, "lena"); !errors.Is(err, ldapauth.ErrNoAccess) {
		t.Fatalf("deleted: %v, want no access", err)
	}
}
