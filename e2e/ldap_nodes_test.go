package e2e

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
	"github.com/buergerbuero/buergerbuero/appliance/ldapauth/ldaptest"
	"github.com/buergerbuero/buergerbuero/appliance/staff"
)

// A directory clerk's session on several nodes (issue 14: no sticky
// sessions): the grant it is re-checked with lives in the database, so
// any node accepts and re-checks it, and a restart keeps it.

// onNode is u's browser talking to another node: same cookies, same CSRF
// token.
func onNode(u *staffUser, srv *apptest.Server) *staffUser {
	v := *u
	v.srv = srv
	v.http = srv.Client()
	v.http.Jar = u.http.Jar
	v.http.CheckRedirect = u.http.CheckRedirect
	return &v
}

// sessionToken is the staff session cookie u's browser holds for srv.
func sessionToken(t *testing.T, u *staffUser, srv *apptest.Server) string {
	t.Helper()
	base, _ := url.Parse(srv.URL)
	for _, c := range u.http.Jar.Cookies(base) {
		if c.Name == "__Host-bb_session" {
			return c.Value
		}
	}
	t.Fatalf("no session cookie for %s", srv.URL)
	return ""
}

// TestLDAPSessionOnEveryNodeAndAfterRestart: two nodes on one database (SQLite file
// or, with BUERGERBUERO_TEST_STORE=postgres, one PostgreSQL) behind a
// round-robin balancer: an LDAP clerk signed in on A works on B, is
// re-checked on B after the interval, stays signed in across a restart of
// A, and her logout on B ends the session on A. Before, B found no grant
// and signed her out, and so did A after its restart.
func TestLDAPSessionOnEveryNodeAndAfterRestart(t *testing.T) {
	dir := ldaptest.Shared(t)
	const recheck = time.Second
	data := t.TempDir()
	a := ldapApplianceIn(t, dir, recheck, data)
	b := ldapApplianceIn(t, dir, recheck, data)
	uid := ldapUID()
	dir.AddUser(t, uid, "pw-"+uid, "Lena Hoffmann", ldaptest.GroupBauamtTeam)

	onA := newStaffUser(t, a, "10.7.3.1")
	if r := onA.login(uid, "pw-"+uid); r.status != 200 {
		t.Fatalf("sign-in on A: %d %s", r.status, r.body)
	}
	onB := onNode(onA, b)
	for i, u := range []*staffUser{onB, onA, onB} { // round robin
		if r := u.do("GET", "/api/v1/staff/me", nil); r.status != 200 {
			t.Fatalf("request %d (%s): %d %s", i+1, u.srv.URL, r.status, r.body)
		}
	}

	// re-checked on B once the interval has passed
	ctx := context.Background()
	hash := staff.HashToken(sessionToken(t, onA, a))
	g, found, err := b.App.DB.SSOGrantGet(ctx, hash)
	if err != nil || !found || g.Login != uid || g.Kind != "ldap" {
		t.Fatalf("the session's grant in the database: %+v %v %v", g, found, err)
	}
	first := g.Checked
	waitFor(t, 10*recheck, "a re-check on node B", func() bool {
		if r := onB.do("GET", "/api/v1/staff/me", nil); r.status != 200 {
			t.Fatalf("B after the interval: %d %s", r.status, r.body)
		}
		g, _, _ = b.App.DB.SSOGrantGet(ctx, hash)
		return g.Checked.After(first)
	})

	// a restart of A keeps her signed in
	a.Restart()
	if r := onA.do("GET", "/api/v1/staff/me", nil); r.status != 200 {
		t.Fatalf("A after its restart: %d %s", r.status, r.body)
	}

	// logout on B ends the session on A
	if r := onB.do("POST", "/api/v1/staff/logout", nil); r.status/100 != 2 {
		t.Fatalf("logout on B: %d %s", r.status, r.body)
	}
	if r := onA.do("GET", "/api/v1/staff/me", nil); r.status != 401 {
		t.Fatalf("A after the logout on B: %d %s", r.status, r.body)
	}
	if _, found, _ := a.App.DB.SSOGrantGet(ctx, hash); found {
		t.Fatal("the grant outlived the logout")
	}
}
