package e2e

import (
	"strings"
	"testing"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
)

// TestAccessibilityStatementFromConfig: the accessibility statement (BITV
// 2.0) at /barrierefreiheit and /accessibility names the configured
// feedback contact, the Land's enforcement body with its link, the status,
// the known limitations and the date, in German and English; every page's
// footer links to it; without configuration it says which fields are
// missing.
func TestAccessibilityStatementFromConfig(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true, Configure: configureStatement})
	c := srv.Client()
	for _, tc := range []struct {
		path string
		want []string
	}{
		{"/barrierefreiheit", []string{"<h1>Erklärung zur Barrierefreiheit</h1>", "weitgehend vereinbar", "mailto:barrierefreiheit@testkreis.example",
			`href="tel:&#43;496151123450"`, `href="https://land.example/durchsetzungsstelle"`, "Durchsetzungsstelle für barrierefreie Informationstechnik des Landes",
			"Hochgeladene PDF-Dateien anderer Stellen", `<time datetime="2025-11-29">29.11.2025</time>`, "nicht untertitelt"}},
		{"/accessibility?lang=en", []string{"<h1>Accessibility statement</h1>", "largely complies", "mailto:barrierefreiheit@testkreis.example",
			`<time datetime="2025-11-29">29 Nov 2025</time>`, "not captioned"}},
	} {
		st, body := get(t, c, srv.URL+tc.path)
		if st != 200 {
			t.Fatalf("%s: status %d", tc.path, st)
		}
		for _, w := range tc.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s does not say %q", tc.path, w)
			}
		}
		if strings.Contains(body, `id="a11y-missing"`) {
			t.Errorf("%s reports missing configuration although all is set", tc.path)
		}
	}
	for _, p := range []string{"/", "/offices/buergerbuero", "/embed", "/staff/login", "/datenschutz", "/join/x"} {
		_, body := get(t, c, srv.URL+p)
		if !strings.Contains(body, `id="accessibility-link" href="/barrierefreiheit"`) {
			t.Errorf("%s has no footer link to the accessibility statement", p)
		}
	}

	bare := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true})
	_, body := get(t, bare.Client(), bare.URL+"/barrierefreiheit")
	for _, f := range []string{"site.accessibility.contact_email", "site.accessibility.enforcement_body.name", "site.accessibility.date"} {
		if !strings.Contains(body, f) {
			t.Errorf("an unconfigured statement does not name the missing field %s", f)
		}
	}
}
