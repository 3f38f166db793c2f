package oidcauth_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
	"github.com/buergerbuero/buergerbuero/appliance/config"
	"github.com/buergerbuero/buergerbuero/appliance/oidcauth/oidctest"
	"github.com/buergerbuero/buergerbuero/appliance/staff"
)

// setup starts an appliance signing in at the shared test provider, with
// the given claim and mapping, and a provider user.
func setup(t *testing.T, claim string, groups []config.OIDCGroup, u oidctest.User) *apptest.Server {
	t.Helper()
	p := oidctest.Shared(t)
	id := "flow-" + strings.ToLower(staff.RandomToken(6))
	secret := staff.RandomToken(24)
	file := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(file, []byte(secret), 0o600)
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true, Configure: func(c *config.Config) {
		c.Auth.OIDC = &config.OIDC{Issuer: p.Issuer, ClientID: id, ClientSecretFile: file, GroupsClaim: claim, Groups: groups}
	}})
	p.AddClient(t, oidctest.Client{ID: id, Secret: secret, Redirects: []string{srv.URL + config.OIDCCallbackPath}, PostLogout: []string{srv.URL + config.OIDCLogoutReturnPath}})
	p.AddUser(t, u)
	return srv
}

type browser struct {
	t        *testing.T
	c        *http.Client
	callback string // the last redirect to the appliance's callback
}

func newBrowser(t *testing.T, srv *apptest.Server) *browser {
	jar, _ := cookiejar.New(nil)
	b := &browser{t: t}
	b.c = &http.Client{Jar: jar, Transport: srv.Client().Transport, Timeout: 20 * time.Second,
		CheckRedirect: func(r *http.Request, _ []*http.Request) error {
			if r.URL.Path == config.OIDCCallbackPath {
				b.callback = r.URL.String()
			}
			return nil
		}}
	return b
}

func (b *browser) body(resp *http.Response, err error) (int, string) {
	b.t.Helper()
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	s, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(s)
}

var authID = regexp.MustCompile(`name="id" value="([^"]+)"`)

// signIn starts at the appliance and signs in at the provider; it returns
// the callback's status and page.
func (b *browser) signIn(srv *apptest.Server, u oidctest.User) (int, string) {
	b.t.Helper()
	_, page := b.body(b.c.PostForm(srv.URL+"/staff/oidc/start", nil))
	m := authID.FindStringSubmatch(page)
	if m == nil {
		b.t.Fatalf("no provider login form: %.300s", page)
	}
	return b.body(b.c.PostForm(oidctest.Shared(b.t).Issuer+"/login/username", url.Values{"id": {m[1]}, "username": {u.Username}, "password": {u.Password}}))
}

func (b *browser) me(srv *apptest.Server) int {
	st, _ := b.body(b.c.Get(srv.URL + "/api/v1/staff/me"))
	return st
}

// TestOIDCRealmRolesAndReplay: Keycloak's realm roles (realm_access.roles)
// map to a lead of two offices; the callback, replayed, opens no second
// session, and a callback whose state belongs to another sign-in is
// refused.
func TestOIDCRealmRolesAndReplay(t *testing.T) {
	u := oidctest.User{ID: "r" + staff.RandomToken(4), Username: "jonas.weber@kreis.example", Password: "pw-jonas-123", Name: "Jonas Weber", Roles: []string{"offline_access", "bb-lead-bauamt"}}
	srv := setup(t, "realm_access.roles", []config.OIDCGroup{{Value: "bb-lead-bauamt", Offices: []string{"bauamt", "buergerbuero"}, Role: "lead"}}, u)
	b := newBrowser(t, srv)
	if st, page := b.signIn(srv, u); st != 200 || !strings.Contains(page, `id="oidc-continue"`) {
		t.Fatalf("sign-in: %d %.300s", st, page)
	}
	if st := b.me(srv); st != 200 {
		t.Fatalf("after sign-in the staff API answers %d", st)
	}
	c, err := srv.App.Staff.Clerk(context.Background(), "jonas.weber")
	if err != nil || c.Role != staff.RoleLead || strings.Join(c.Offices, ",") != "bauamt,buergerbuero" {
		t.Fatalf("clerk from realm roles: %+v %v", c, err)
	}

	// the same callback again, in a fresh browser: no flow, no session
	replay := newBrowser(t, srv)
	st, page := replay.body(replay.c.Get(b.callback))
	if st != http.StatusUnauthorized || !strings.Contains(page, "abgelaufen") || replay.me(srv) != 401 {
		t.Fatalf("replayed callback: %d, staff API %d: %.300s", st, replay.me(srv), page)
	}
	// a flow of its own, but the old code and state
	replay.body(replay.c.PostForm(srv.URL+"/staff/oidc/start", nil))
	st, page = replay.body(replay.c.Get(b.callback))
	if st != http.StatusUnauthorized || !strings.Contains(page, "nicht bestätigt") || replay.me(srv) != 401 {
		t.Fatalf("callback with another sign-in's state: %d: %.300s", st, page)
	}
}

// TestOIDCLocalAccountNotTakenOver: a provider login equal to a local
// account's (break-glass) is refused; the local password still works.
func TestOIDCLocalAccountNotTakenOver(t *testing.T) {
	u := oidctest.User{ID: "a" + staff.RandomToken(4), Username: "anna", Password: "pw-anna-at-idp", Name: "Other Anna", Groups: []string{"/x"}}
	srv := setup(t, "groups", []config.OIDCGroup{{Value: "/x", Role: "admin"}}, u)
	b := newBrowser(t, srv)
	if st, page := b.signIn(srv, u); st != http.StatusConflict || !strings.Contains(page, "lokales Konto") {
		t.Fatalf("sign-in as a local account's login: %d %.300s", st, page)
	}
	c, _ := srv.App.Staff.Clerk(context.Background(), "anna")
	if c.Role != staff.RoleClerk {
		t.Fatalf("the local account changed: %+v", c)
	}
	if _, err := srv.App.Staff.Login(context.Background(), "anna", srv.Clerks[0].Password, "127.0.0.1"); err != nil {
		t.Fatalf("local password: %v", err)
	}
}

// TestOIDCConfigNamesTheField: a bad auth.oidc section is refused naming
// the field.
func TestOIDCConfigNamesTheField(t *testing.T) {
	file := filepath.Join(t.TempDir(), "s")
	os.WriteFile(file, []byte("geheim"), 0o600)
	good := func() *config.OIDC {
		return &config.OIDC{Issuer: "https://login.example/realms/k", ClientID: "bb", ClientSecretFile: file, Groups: []config.OIDCGroup{{Value: "/g", Offices: []string{"bauamt"}}}}
	}
	for _, tc := range []struct {
		field string
		bad   func(*config.OIDC)
	}{
		{"auth.oidc.issuer", func(o *config.OIDC) { o.Issuer = "http://login.example" }},
		{"auth.oidc.client_id", func(o *config.OIDC) { o.ClientID = "" }},
		{"auth.oidc.client_secret_file", func(o *config.OIDC) { o.ClientSecretFile = file + ".missing" }},
		{"auth.oidc.groups", func(o *config.OIDC) { o.Groups = nil }},
		{"auth.oidc.groups[0].role", func(o *config.OIDC) { o.Groups[0].Role = "chef" }},
		{"auth.oidc.recheck", func(o *config.OIDC) { o.Recheck = config.Duration{Duration: 48 * time.Hour} }},
		{"auth.oidc.button_label", func(o *config.OIDC) { o.ButtonLabel = map[string]string{"fr": "x"} }},
	} {
		c := config.Defaults()
		c.Site.PublicURL = "https://bb.example"
		c.Auth.OIDC = good()
		if err := c.Validate(); err != nil {
			t.Fatalf("good config: %v", err)
		}
		tc.bad(c.Auth.OIDC)
		var fe *config.FieldError
		if err := c.Validate(); !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("%s: got %v", tc.field, err)
		}
	}
}
