package oidcauth_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
	"github.com/buergerbuero/buergerbuero/appliance/config"
	"github.com/buergerbuero/buergerbuero/appliance/oidcauth/oidctest"
	"github.com/buergerbuero/buergerbuero/appliance/staff"
	"github.com/buergerbuero/buergerbuero/appliance/store/storetest"
)

// TestMain stops the PostgreSQL the nodes share with
// BUERGERBUERO_TEST_STORE=postgres.
func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// TestOIDCSessionOnEveryNodeAndAfterRestart: two nodes on one database
// (SQLite file or, with BUERGERBUERO_TEST_STORE=postgres, PostgreSQL)
// behind a balancer without sticky sessions. A clerk signed in through
// the provider on A works on B, is re-checked at the provider on B, stays
// signed in across a restart of A (as a local clerk does), and her logout
// on B ends the session on A too. The database row holds neither the ID
// token (the one the logout hands the provider) nor the session token in
// clear. Before, B found no grant and ended the session, and so did A
// after its restart.
func TestOIDCSessionOnEveryNodeAndAfterRestart(t *testing.T) {
	const recheck = time.Second
	p := oidctest.Shared(t)
	id := "nodes-" + strings.ToLower(staff.RandomToken(6))
	secret := staff.RandomToken(24)
	file := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(file, []byte(secret), 0o600)
	data := t.TempDir()
	node := func() *apptest.Server {
		return apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true, DataDir: data, Configure: func(c *config.Config) {
			c.Auth.OIDC = &config.OIDC{Issuer: p.Issuer, ClientID: id, ClientSecretFile: file, GroupsClaim: "groups",
				Recheck: config.Duration{Duration: recheck}, Groups: []config.OIDCGroup{{Value: "/g", Offices: []string{"bauamt"}}}}
		}})
	}
	a, b := node(), node()
	p.AddClient(t, oidctest.Client{ID: id, Secret: secret,
		Redirects:  []string{a.URL + config.OIDCCallbackPath, b.URL + config.OIDCCallbackPath},
		PostLogout: []string{a.URL + config.OIDCLogoutReturnPath, b.URL + config.OIDCLogoutReturnPath}})
	u := oidctest.User{ID: "n" + staff.RandomToken(4), Username: "mira" + strings.ToLower(staff.RandomToken(3)), Password: "pw-mira-123", Name: "Mira Kaya", Groups: []string{"/g"}}
	p.AddUser(t, u)

	br := newBrowser(t, a) // one cookie jar for both nodes, as behind one name
	if st, _ := br.signIn(a, u); st != 200 || br.me(a) != 200 {
		t.Fatalf("sign-in on A: %d, staff API %d", st, br.me(a))
	}
	for i, n := range []*apptest.Server{b, a, b} { // round robin
		if st := br.me(n); st != 200 {
			t.Fatalf("request %d (%s): %d", i+1, n.URL, st)
		}
	}
	local := newBrowser(t, a)
	if st, _ := local.body(local.c.PostForm(a.URL+"/staff/login", url.Values{"login": {"anna"}, "password": {a.Clerks[0].Password}})); st != 200 || local.me(a) != 200 {
		t.Fatalf("local sign-in: %d", st)
	}

	// re-checked at the provider on B once the interval has passed
	ctx := context.Background()
	base, _ := url.Parse(a.URL)
	token := ""
	for _, c := range br.c.Jar.Cookies(base) {
		if c.Name == "__Host-bb_session" {
			token = c.Value
		}
	}
	hash := staff.HashToken(token)
	g, found, err := a.App.DB.SSOGrantGet(ctx, hash)
	if err != nil || !found || g.Kind != "oidc" {
		t.Fatalf("the session's grant in the database: %+v %v %v", g, found, err)
	}
	first := g.Checked
	deadline := time.Now().Add(15 * time.Second)
	for !g.Checked.After(first) {
		if time.Now().After(deadline) {
			t.Fatal("no re-check on node B")
		}
		if st := br.me(b); st != 200 {
			t.Fatalf("B after the re-check interval: %d", st)
		}
		g, _, _ = b.App.DB.SSOGrantGet(ctx, hash)
	}

	// a restart of A keeps both signed in
	a.Restart()
	if st := br.me(a); st != 200 {
		t.Fatalf("a directory session after a restart: %d", st)
	}
	if st := local.me(a); st != 200 {
		t.Fatalf("a local session after a restart: %d", st)
	}

	// the row as a dump has it; then logout on B, which hands the
	// provider the ID token
	var row []byte
	for _, col := range []string{"session_hash", "login", "kind", "subject", "sealed"} {
		var v []byte
		if err := a.App.DB.ReadDB().QueryRow(`SELECT `+col+` FROM sso_grants WHERE session_hash = $1`, hash).Scan(&v); err != nil {
			t.Fatal(err)
		}
		row = append(row, v...)
	}
	noFollow := *br.c
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	req, _ := http.NewRequest("POST", b.URL+"/staff/logout", nil)
	req.Header.Set("Origin", b.URL)
	res, err := noFollow.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	to, _ := url.Parse(res.Header.Get("Location"))
	idToken := to.Query().Get("id_token_hint")
	if res.StatusCode != http.StatusSeeOther || len(idToken) < 20 {
		t.Fatalf("logout on B: %d to %s, want the provider's end-session with the ID token", res.StatusCode, to)
	}
	for what, secret := range map[string]string{"the ID token": idToken, "the session token": token} {
		if bytes.Contains(row, []byte(secret)) {
			t.Errorf("the database row holds %s in clear", what)
		}
	}
	if st := br.me(a); st != 401 {
		t.Fatalf("A after the logout on B: %d", st)
	}
	if _, found, _ := a.App.DB.SSOGrantGet(ctx, hash); found {
		t.Fatal("the grant outlived the logout")
	}
}
