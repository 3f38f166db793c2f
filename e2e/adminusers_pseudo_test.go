package e2e

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
	"github.com/buergerbuero/buergerbuero/appliance/i18n"
)

// TestAdminUsersPseudoLocale renders the administration pages (clerks
// with a form error and a new one-time password, a clerk, the audit log)
// in the pseudo-locale: every text outside ⟦…⟧ must be data (logins,
// names, office ids, audit entries), never a hard-coded word.
func TestAdminUsersPseudoLocale(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true, PseudoLocale: true})
	withAdmin(t, srv)
	admin := adminClient(t, srv)
	data := []string{srv.Config.Site.Name, doraLogin, "Dora Admin", "emil", "Emil Neumann", "admin"}
	for _, o := range srv.Config.Offices {
		data = append(data, o.Name, o.ID)
	}
	for _, tag := range i18n.Staff {
		data = append(data, i18n.SelfName(tag))
	}
	for _, c := range srv.Clerks {
		data = append(data, c.Login, c.DisplayName)
	}
	var bodies = map[string]string{}
	_, bodies["add with an error"] = admin.page("POST", "/staff/admin/clerks", url.Values{"login": {"Emil Neu"}, "display_name": {"Emil Neumann"}, "role": {"clerk"}})
	_, bodies["added"] = admin.page("POST", "/staff/admin/clerks", url.Values{"login": {"emil"}, "display_name": {"Emil Neumann"}, "role": {"clerk"}, "offices": {"bauamt"}})
	pw := regexp.MustCompile(`id="onetime-password" dir="ltr">([^<]+)<`).FindStringSubmatch(bodies["added"])
	if pw == nil {
		t.Fatalf("no one-time password shown: %.500s", bodies["added"])
	}
	data = append(data, pw[1])
	_, bodies["clerk"] = admin.page("GET", "/staff/admin/clerks/emil", nil)
	_, bodies["audit"] = admin.page("GET", "/staff/admin/audit", nil)
	for _, e := range regexp.MustCompile(`<td dir="ltr">([^<]*)</td>`).FindAllStringSubmatch(bodies["audit"], -1) {
		data = append(data, e[1]) // the audit entries are data
	}
	if !strings.Contains(bodies["audit"], "admin.clerk.create") {
		t.Fatalf("audit page without the addition: %.500s", bodies["audit"])
	}
	for what, body := range bodies {
		for _, s := range hardCoded(body, data) {
			t.Errorf("%s shows text that is not from the catalogue: %q", what, s)
		}
	}
}
