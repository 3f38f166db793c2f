package e2e

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
	"github.com/buergerbuero/buergerbuero/appliance/config"
	"github.com/buergerbuero/buergerbuero/appliance/staff"
)

type adminError struct {
	Error struct{ Code, Field, Message string }
}

type adminClerkBody struct {
	Clerk struct {
		Login, Source string
		Offices       []string
		Disabled      bool
		MustChange    bool `json:"must_change"`
	}
	OneTime string `json:"one_time_password"`
}

// page requests a staff page with the client's session cookie (a form
// post with its CSRF token); it returns the status and the body.
func (c *apiClient) page(method, path string, form url.Values) (int, string) {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		form.Set("csrf_token", c.csrf)
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, c.base+path, body)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", c.base)
	c.http.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestAdminUsersRefusedToNonAdmins: a clerk, a lead and the service
// client without a clerk get 403 from every administration page and
// endpoint, with the catalogue's message, and change nothing; only the
// audit log is open to leads.
func TestAdminUsersRefusedToNonAdmins(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true})
	withAdmin(t, srv)
	service := newClient(t, srv)
	service.token = srv.ServiceToken
	for _, who := range []string{"anna", "carla", "service"} {
		c := service
		if who != "service" {
			c = staffAs(t, srv, who)
		}
		for _, r := range []struct {
			method, path string
			body         any
		}{
			{"GET", "/api/v1/staff/admin/clerks", nil},
			{"POST", "/api/v1/staff/admin/clerks", map[string]any{"login": "mallory", "display_name": "M", "role": "admin", "offices": []string{}}},
			{"PUT", "/api/v1/staff/admin/clerks/anna", map[string]any{"display_name": "Anna", "role": "admin", "offices": []string{}}},
			{"POST", "/api/v1/staff/admin/clerks/ben/disable", nil},
			{"DELETE", "/api/v1/staff/admin/clerks/ben", nil},
			{"GET", "/api/v1/staff/admin/audit", nil},
		} {
			var e adminError
			st := c.do(r.method, r.path, r.body, &e)
			want := "admin_only"
			switch {
			case who == "service" && r.method != "GET":
				want = "act_as_required" // a change: the service client must act for a clerk
			case strings.HasSuffix(r.path, "/audit") && who == "carla":
				continue // an office lead reads the audit log (TestAuditLeadSeesOwnOffices)
			case strings.HasSuffix(r.path, "/audit"):
				want = "audit_forbidden"
			}
			if st != 403 || e.Error.Code != want {
				t.Errorf("%s: %s %s = %d %+v, want 403 %s", who, r.method, r.path, st, e, want)
			}
		}
		if who == "service" {
			continue
		}
		for _, p := range []string{"/staff/admin/clerks", "/staff/admin/clerks/ben", "/staff/admin/audit", "/staff/admin/audit.csv"} {
			msg := "Die Verwaltung ist nur für die Rolle Administration zugänglich."
			if strings.Contains(p, "/audit") {
				if who == "carla" {
					continue
				}
				msg = "Das Protokoll sehen nur die Administration und Amtsleitungen."
			}
			st, body := c.page("GET", p, nil)
			if st != 403 || !strings.Contains(body, msg) {
				t.Errorf("%s: GET %s = %d, want 403 with the message", who, p, st)
			}
		}
		form := url.Values{"login": {"mallory"}, "display_name": {"M"}, "role": {"admin"}}
		if st, _ := c.page("POST", "/staff/admin/clerks", form); st != 403 {
			t.Errorf("%s: adding a clerk by the form: %d", who, st)
		}
		if st, _ := c.page("POST", "/staff/admin/clerks/ben/disable", url.Values{}); st != 403 {
			t.Errorf("%s: disabling by the form: %d", who, st)
		}
	}
	if _, err := srv.App.Staff.Clerk(context.Background(), "mallory"); err == nil {
		t.Fatal("a non-admin added a clerk")
	}
	if srv.App.Staff.IsDisabled(context.Background(), "ben") {
		t.Fatal("a non-admin disabled a clerk")
	}
}

// TestAdminDisableEndsSession: a disabled clerk's session ends at its
// next request, the clerk cannot sign in again (nor be acted for by a
// service client) until enabled; the administrator cannot disable
// herself; each change is in the audit log.
func TestAdminDisableEndsSession(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true})
	withAdmin(t, srv)
	admin := adminClient(t, srv)
	anna := staffAs(t, srv, "anna")
	if st := anna.do("GET", "/api/v1/staff/me", nil, nil); st != 200 {
		t.Fatalf("anna before: %d", st)
	}
	var out adminClerkBody
	if st := admin.do("POST", "/api/v1/staff/admin/clerks/anna/disable", nil, &out); st != 200 || !out.Clerk.Disabled {
		t.Fatalf("disable: %d %+v", st, out)
	}
	if st := anna.do("GET", "/api/v1/staff/me", nil, nil); st != 401 {
		t.Fatalf("anna's session after disabling: %d, want 401", st)
	}
	var e adminError
	again := newClient(t, srv)
	if st := again.do("POST", "/api/v1/staff/login", map[string]string{"login": "anna", "password": srv.Clerks[0].Password}, &e); st != 403 || e.Error.Code != "account_disabled" {
		t.Fatalf("sign-in of a disabled clerk: %d %+v", st, e)
	}
	bridge := newClient(t, srv)
	bridge.token, bridge.actAs = srv.ServiceToken, "anna"
	if st := bridge.do("GET", "/api/v1/staff/offices", nil, nil); st != 403 {
		t.Fatalf("service client acting for a disabled clerk: %d", st)
	}
	if st := admin.do("POST", "/api/v1/staff/admin/clerks/"+doraLogin+"/disable", nil, &e); st != 403 || e.Error.Code != "own_account" {
		t.Fatalf("disabling oneself: %d %+v", st, e)
	}
	if st := admin.do("POST", "/api/v1/staff/admin/clerks/anna/enable", nil, &out); st != 200 || out.Clerk.Disabled {
		t.Fatalf("enable: %d %+v", st, out)
	}
	again.login("anna", srv.Clerks[0].Password)
	var log struct {
		Entries []struct{ Actor, Action, Detail string }
	}
	if st := admin.do("GET", "/api/v1/staff/admin/audit?action=admin.clerk.", nil, &log); st != 200 || len(log.Entries) != 2 {
		t.Fatalf("audit: %d %+v", st, log)
	}
	if l := log.Entries; l[0].Action != "admin.clerk.enable" || l[1].Action != "admin.clerk.disable" || l[1].Actor != doraLogin || l[1].Detail != "login=anna" {
		t.Fatalf("audit entries, newest first: %+v", l)
	}
}

// TestAdminClerkRules: the administration checks a clerk as the command
// line does and names the field; a login is taken once; a new one-time
// password ends the clerk's sessions and must be replaced.
func TestAdminClerkRules(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true})
	withAdmin(t, srv)
	admin := adminClient(t, srv)
	for _, c := range []struct {
		body        map[string]any
		status      int
		code, field string
	}{
		{map[string]any{"login": "Emil Neu", "display_name": "Emil", "role": "clerk", "offices": []string{"bauamt"}}, 422, "invalid", "login"},
		{map[string]any{"login": "emil", "display_name": " ", "role": "clerk", "offices": []string{"bauamt"}}, 422, "invalid", "display_name"},
		{map[string]any{"login": "emil", "display_name": "Emil", "role": "boss", "offices": []string{"bauamt"}}, 422, "invalid", "role"},
		{map[string]any{"login": "emil", "display_name": "Emil", "role": "clerk", "offices": []string{"nirgendwo"}}, 422, "invalid", "offices"},
		{map[string]any{"login": "anna", "display_name": "Anna", "role": "clerk", "offices": []string{"bauamt"}}, 409, "clerk_exists", "login"},
	} {
		var e adminError
		if st := admin.do("POST", "/api/v1/staff/admin/clerks", c.body, &e); st != c.status || e.Error.Code != c.code || e.Error.Field != c.field || e.Error.Message == "" {
			t.Errorf("%v: %d %+v, want %d %s on %s", c.body, st, e, c.status, c.code, c.field)
		}
	}

	anna := staffAs(t, srv, "anna")
	var out adminClerkBody
	if st := admin.do("PUT", "/api/v1/staff/admin/clerks/anna", map[string]any{"display_name": "Anna Schneider", "role": "lead", "offices": []string{"bauamt", "bauamt"}}, &out); st != 200 {
		t.Fatalf("change anna: %d %+v", st, out)
	}
	var me0 struct {
		Role    string
		Offices []string
	}
	if st := anna.do("GET", "/api/v1/staff/me", nil, &me0); st != 200 || me0.Role != "lead" || strings.Join(me0.Offices, ",") != "bauamt" {
		t.Fatalf("anna's next request: %d %+v, want lead of bauamt", st, me0)
	}
	var e0 adminError
	if st := admin.do("PUT", "/api/v1/staff/admin/clerks/"+doraLogin, map[string]any{"display_name": "Dora", "role": "clerk", "offices": []string{}}, &e0); st != 403 || e0.Error.Code != "own_account" {
		t.Fatalf("taking the admin role from oneself: %d %+v", st, e0)
	}
	var log struct {
		Entries []struct{ Actor, Action, Detail string }
	}
	admin.do("GET", "/api/v1/staff/admin/audit?action=admin.clerk.update", nil, &log)
	if len(log.Entries) != 1 || log.Entries[0].Detail != "login=anna changed=role,offices role=lead offices=bauamt" {
		t.Fatalf("audit of the change: %+v", log.Entries)
	}

	ben := staffAs(t, srv, "ben")
	if st := admin.do("POST", "/api/v1/staff/admin/clerks/ben/reset-password", nil, &out); st != 200 || len(out.OneTime) < 12 || !out.Clerk.MustChange {
		t.Fatalf("reset password: %d %+v", st, out)
	}
	if st := ben.do("GET", "/api/v1/staff/me", nil, nil); st != 401 {
		t.Fatalf("ben's session after the reset: %d", st)
	}
	var me struct {
		MustChange bool `json:"must_change_password"`
	}
	ben = newClient(t, srv)
	if st := ben.do("POST", "/api/v1/staff/login", map[string]string{"login": "ben", "password": out.OneTime}, &me); st != 200 || !me.MustChange {
		t.Fatalf("sign-in with the new one-time password: %d %+v", st, me)
	}

}

// TestAdminDirectoryClerkReadOnly: a clerk the LDAP directory provisioned
// is listed with its source; its role and offices cannot be changed here,
// and its page names the directory group each office comes from.
func TestAdminDirectoryClerkReadOnly(t *testing.T) {
	pw := filepath.Join(t.TempDir(), "bind")
	if err := os.WriteFile(pw, []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	const group = "CN=GG-Bauamt,OU=Gruppen,DC=kreis,DC=local"
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true, Configure: func(c *config.Config) {
		// never reached: the directory is only asked at a directory sign-in
		c.Auth.LDAP = &config.LDAP{URL: "ldaps://127.0.0.1:1", BindDN: "cn=svc,dc=kreis,dc=local", BindPasswordFile: pw,
			UserBase: "ou=people,dc=kreis,dc=local", UserFilter: "(uid={login})", GroupBase: "ou=groups,dc=kreis,dc=local",
			Groups: []config.LDAPGroup{{DN: group, Offices: []string{"bauamt"}}}}
	}})
	withAdmin(t, srv)
	admin := adminClient(t, srv)
	olaf := staff.Clerk{Login: "olaf", DisplayName: "Olaf", Role: staff.RoleClerk, Offices: []string{"bauamt"}}
	if err := srv.App.Staff.Provision(context.Background(), olaf, "ldap"); err != nil {
		t.Fatal(err)
	}
	var e adminError
	if st := admin.do("PUT", "/api/v1/staff/admin/clerks/olaf", map[string]any{"display_name": "Olaf", "role": "admin", "offices": []string{"bauamt"}}, &e); st != 409 || e.Error.Code != "directory_clerk" {
		t.Fatalf("changing a directory clerk: %d %+v", st, e)
	}
	if st := admin.do("POST", "/api/v1/staff/admin/clerks/olaf/reset-password", nil, &e); st != 409 || e.Error.Code != "directory_clerk" {
		t.Fatalf("a one-time password for a directory clerk: %d %+v", st, e)
	}
	var list struct {
		Clerks []struct{ Login, Source, Role string }
	}
	admin.do("GET", "/api/v1/staff/admin/clerks", nil, &list)
	for _, c := range list.Clerks {
		want := "local"
		if c.Login == "olaf" {
			want = "ldap"
		}
		if c.Source != want {
			t.Errorf("%s: source %q, want %q", c.Login, c.Source, want)
		}
		if c.Login == "olaf" && c.Role != "clerk" {
			t.Errorf("olaf's role changed to %s", c.Role)
		}
	}
	st, body := admin.page("GET", "/staff/admin/clerks/olaf", nil)
	if st != 200 || strings.Contains(body, `id="edit-form"`) || strings.Contains(body, `id="reset-password"`) {
		t.Fatalf("a directory clerk's page: %d, with a form to change it", st)
	}
	if !strings.Contains(body, "aus der Verzeichnisgruppe "+group) {
		t.Fatalf("the page does not say where the office comes from: %s", body)
	}
}
