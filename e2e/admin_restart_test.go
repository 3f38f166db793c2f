package e2e

import (
	"context"
	"net/http"
	"net/url"
	"testing"
)

// TestAdminChangesSurviveARestart: an office, its services and texts and the
// site settings made in the web administration apply at once (the widget's
// CSP names the new embedding origin) and are there after a restart, next
// to the configuration file's offices, which the start writes again.
func TestAdminChangesSurviveARestart(t *testing.T) {
	srv := startAdmin(t)
	c := newClient(t, srv)
	c.login(adminLogin, adminPassword)
	office := url.Values{"id": {"kfz"}, "name": {"Zulassungsstelle"}, "prefix": {"Z"}, "languages": {"de"}, "chairs": {"1"}, "hours_mon": {"08:00-12:00"}}
	for _, p := range []struct {
		path string
		form url.Values
	}{
		{"/staff/admin/offices", office},
		{"/staff/admin/offices/kfz/services", url.Values{"svc_id_0": {"zulassung"}, "svc_name_0": {"Zulassen"}, "svc_duration_0": {"30m"}, "svc_mode_0": {"booking"}}},
		{"/staff/admin/offices/kfz/texts", url.Values{"notice": {"Nur mit Termin"}}},
		{"/staff/admin/site", url.Values{"state": {"BY"}, "frame_ancestors": {"https://www.musterland.de"}}},
	} {
		if st, body := adminPost(t, c, p.path, p.form); st != http.StatusOK {
			t.Fatalf("POST %s: %d %.400s", p.path, st, body)
		}
	}
	embedCSP := func(t *testing.T, when string) {
		t.Helper()
		res, err := srv.Client().Get(srv.URL + "/embed")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if csp := res.Header.Get("Content-Security-Policy"); !containsAll(csp, "frame-ancestors https://www.musterland.de") {
			t.Errorf("embed CSP %s: %s", when, csp)
		}
	}
	embedCSP(t, "at once")
	srv.Restart()
	// the admin is in the database too; its session ended with the process
	if _, err := srv.App.Staff.Clerk(context.Background(), adminLogin); err != nil {
		t.Fatalf("admin after restart: %v", err)
	}
	var list struct {
		Offices []struct{ ID string } `json:"offices"`
	}
	pub := newClient(t, srv)
	pub.do("GET", "/api/v1/offices", nil, &list)
	var ids []string
	for _, o := range list.Offices {
		ids = append(ids, o.ID)
	}
	if len(ids) != 4 || ids[3] != "kfz" {
		t.Errorf("offices after restart %v, want the file's three and kfz", ids)
	}
	var services struct {
		Services []struct{ ID, Mode string } `json:"services"`
	}
	if st := pub.do("GET", "/api/v1/offices/kfz/services", nil, &services); st != 200 || len(services.Services) != 1 || services.Services[0].Mode != "booking" {
		t.Errorf("services after restart: %d %+v", st, services)
	}
	site := srv.App.Admin.Site()
	if site.State != "BY" || len(site.FrameAncestors) != 1 || srv.App.Admin.Texts("kfz").Notice != "Nur mit Termin" {
		t.Errorf("after restart: site %+v, texts %+v", site, srv.App.Admin.Texts("kfz"))
	}
	embedCSP(t, "after restart")
}
