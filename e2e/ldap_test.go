package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
	"github.com/buergerbuero/buergerbuero/appliance/config"
	"github.com/buergerbuero/buergerbuero/appliance/ldapauth/ldaptest"
	"github.com/buergerbuero/buergerbuero/appliance/staff"
)

// Staff sign-in against Debian's slapd (appliance/ldapauth/ldaptest) over
// StartTLS, through the ordinary log-in form and API.

// ldapAppliance starts an appliance whose directory is dir: the Bauamt
// group (its members are in it through a nested group) maps to the
// office bauamt.
func ldapAppliance(t *testing.T, dir *ldaptest.Server, recheck time.Duration) *apptest.Server {
	t.Helper()
	return ldapApplianceIn(t, dir, recheck, "")
}

// ldapApplianceIn is ldapAppliance on the data in dataDir ("": fresh): two
// of them on one dataDir are two nodes on one database.
func ldapApplianceIn(t *testing.T, dir *ldaptest.Server, recheck time.Duration, dataDir string) *apptest.Server {
	t.Helper()
	pw := filepath.Join(t.TempDir(), "ldap.password")
	if err := os.WriteFile(pw, []byte(ldaptest.BindPassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	opts := behindProxy(func(c *config.Config) {
		c.Auth.LDAP = &config.LDAP{URL: dir.URL, CAFile: dir.CAFile, BindDN: ldaptest.BindDN, BindPasswordFile: pw,
			UserBase: ldaptest.People, UserFilter: "(uid={login})", GroupBase: ldaptest.Groups,
			Recheck: config.Duration{Duration: recheck}, Timeout: config.Duration{Duration: 2 * time.Second},
			Groups: []config.LDAPGroup{{DN: ldaptest.GroupBauamt, Offices: []string{"bauamt"}}}}
	})
	opts.DataDir = dataDir
	return apptest.Start(t, opts)
}

// ldapUID is a directory login unique to the test.
func ldapUID() string {
	return "ld" + strings.Trim(strings.ToLower(staff.RandomToken(6)), "-_")
}

func meOf(t *testing.T, u *staffUser) staff.Clerk {
	t.Helper()
	a := u.do("GET", "/api/v1/staff/me", nil)
	if a.status != 200 {
		t.Fatalf("me: %d %s", a.status, a.body)
	}
	var c staff.Clerk
	if err := json.Unmarshal([]byte(a.body), &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestLDAPSignInPasswordNestedGroupThrottle: a directory user signs in
// with the log-in form; a wrong password gets the usual answer and, after
// a few, the usual throttling; the nested group gives the office; local
// accounts keep working.
func TestLDAPSignInPasswordNestedGroupThrottle(t *testing.T) {
	dir := ldaptest.Shared(t)
	srv := ldapAppliance(t, dir, time.Minute)
	uid := ldapUID()
	dir.AddUser(t, uid, "verzeichnis-pw-1", "Lena Hoffmann", ldaptest.GroupBauamtTeam)

	res := postForm(t, srv, "10.7.0.1", "/staff/login", "login="+uid+"&password=falsch")
	if res.status != 401 || !strings.Contains(res.body, "Benutzername oder Passwort ist falsch") {
		t.Fatalf("wrong password on the form: %d %s", res.status, res.body)
	}
	res = postForm(t, srv, "10.7.0.1", "/staff/login", "login="+uid+"&password=verzeichnis-pw-1")
	if res.status != 303 || res.header.Get("Location") != "/staff" || !strings.Contains(res.header.Get("Set-Cookie"), "__Host-") {
		t.Fatalf("right password on the form: %d %q %s", res.status, res.header.Get("Location"), res.body)
	}

	u := newStaffUser(t, srv, "10.7.0.2")
	if a := u.login(strings.ToUpper(uid), "verzeichnis-pw-1"); a.status != 200 { // logins are case-insensitive
		t.Fatalf("API sign-in: %d %s", a.status, a.body)
	}
	if c := meOf(t, u); c.Login != uid || c.DisplayName != "Lena Hoffmann" || c.Role != staff.RoleClerk || !slices.Equal(c.Offices, []string{"bauamt"}) {
		t.Fatalf("provisioned clerk %+v, want Lena Hoffmann, clerk of bauamt through the nested group", c)
	}

	attacker := newStaffUser(t, srv, "203.0.113.9")
	throttled := false
	for i := 0; i < srv.Config.Auth.AddressAttempts+1 && !throttled; i++ {
		a := attacker.login(uid, "falsch")
		switch {
		case a.status == 429 && a.code == "login_throttled" && a.header.Get("Retry-After") != "":
			throttled = true
		case a.status != 401 || a.code != "login_failed":
			t.Fatalf("wrong password %d: %d %s", i+1, a.status, a.body)
		}
	}
	if !throttled {
		t.Fatalf("no throttling after %d wrong directory passwords", srv.Config.Auth.AddressAttempts+1)
	}

	local := newStaffUser(t, srv, "10.7.0.3")
	anna := srv.Clerks[0]
	if a := local.login(anna.Login, anna.Password); a.status != 200 {
		t.Fatalf("local account beside the directory: %d %s", a.status, a.body)
	}
}

// TestLDAPDirectoryDownAndRecheck: the directory down → the log-in page
// says "Verzeichnis nicht erreichbar" while a signed-in clerk keeps
// working; back up, a clerk deleted from the directory and one removed
// from the group lose access at the re-check.
func TestLDAPDirectoryDownAndRecheck(t *testing.T) {
	dir := ldaptest.Start(t, ldaptest.Options{})
	const recheck = time.Second
	srv := ldapAppliance(t, dir, recheck)
	gone, moved := ldapUID(), ldapUID()
	dir.AddUser(t, gone, "pw-"+gone, "Jonas Weber", ldaptest.GroupBauamtTeam)
	dir.AddUser(t, moved, "pw-"+moved, "Eva Klein", ldaptest.GroupBauamtTeam)
	ug, um := newStaffUser(t, srv, "10.7.1.1"), newStaffUser(t, srv, "10.7.1.2")
	for _, x := range []struct {
		u   *staffUser
		uid string
	}{{ug, gone}, {um, moved}} {
		if a := x.u.login(x.uid, "pw-"+x.uid); a.status != 200 {
			t.Fatalf("sign-in %s: %d %s", x.uid, a.status, a.body)
		}
	}

	dir.Stop()
	down := time.Now()
	res := postForm(t, srv, "10.7.1.3", "/staff/login", "login="+gone+"&password=pw-"+gone)
	if res.status != 503 || !strings.Contains(res.body, "Verzeichnis nicht erreichbar") {
		t.Fatalf("sign-in while the directory is down: %d %s", res.status, res.body)
	}
	if a := newStaffUser(t, srv, "10.7.1.4").login(moved, "pw-"+moved); a.code != "ldap_unavailable" {
		t.Fatalf("API sign-in while down: %d %s", a.status, a.body)
	}
	// a signed-in clerk works on, past the re-check interval too
	for time.Since(down) < 2*recheck {
		if a := ug.do("GET", "/api/v1/staff/me", nil); a.status != 200 {
			t.Fatalf("session while the directory is down, after %v: %d %s", time.Since(down), a.status, a.body)
		}
	}

	dir.Restart(t)
	dir.DeleteUser(t, gone)
	dir.RemoveFromGroup(t, moved, ldaptest.GroupBauamtTeam)
	for _, u := range []*staffUser{ug, um} {
		waitFor(t, 10*recheck, "removed clerk at "+u.addr+" refused", func() bool {
			a := u.do("GET", "/api/v1/staff/me", nil)
			if a.status != 200 && a.status != 401 {
				t.Fatalf("removed clerk at %s: %d %s", u.addr, a.status, a.body)
			}
			return a.status == 401
		})
	}
	if a := newStaffUser(t, srv, "10.7.1.5").login(moved, "pw-"+moved); a.status != 403 || a.code != "ldap_no_access" {
		t.Fatalf("sign-in after removal from the group: %d %s", a.status, a.body)
	}
}
