package e2e

import (
	"crypto/tls"
	"encoding/pem"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
)

// demoLeaves returns the certificates the demo serves for the given names
// (one key per name), for the browser's trust list.
func demoLeaves(t *testing.T, d *apptest.Demo, names ...string) []byte {
	t.Helper()
	var out []byte
	for _, n := range names {
		c, err := tls.Dial("tcp", d.Addr, d.TLSConfig(n))
		if err != nil {
			t.Fatalf("TLS handshake for %s: %v", n, err)
		}
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.ConnectionState().PeerCertificates[0].Raw})...)
		c.Close()
	}
	return out
}

// TestDemoEmbedExampleShowsOfficeList opens the example county page the
// demo prints and reads the office list inside the widget's iframe, which
// embed.js inserted and CSP frame-ancestors allowed.
func TestDemoEmbedExampleShowsOfficeList(t *testing.T) {
	d := apptest.StartDemo(t, apptest.FreePort(t))
	page := d.URL + "/demo/embed-example"
	if !strings.Contains(d.Summary, page) {
		t.Errorf("the demo does not print its embed example %s:\n%s", page, d.Summary)
	}
	b := newBrowser(t, demoLeaves(t, d, "127.0.0.1", "localhost"))()
	// the example page and the widget share the demo's origin here, so the
	// page's own script may read the iframe's document
	var list string
	step(t, b, "office list inside the iframe", chromedp.Navigate(page),
		chromedp.Poll(`(() => { const f = document.querySelector('#widget iframe');
			const l = f && f.contentDocument && f.contentDocument.querySelector('#offices');
			return l ? l.innerText : false; })()`, &list))
	for _, office := range []string{"Bürgerbüro", "Bauamt", "Ausländerbehörde"} {
		if !strings.Contains(list, office) {
			t.Errorf("iframe office list lacks %s: %q", office, list)
		}
	}
}

// TestPrivacyPageLinkedFromEveryCitizenPage opens every page a citizen
// sees, in a browser, finds the link to the privacy page, and follows it
// from the office list: the page names the controller and the
// data-protection officer the demo configures.
func TestPrivacyPageLinkedFromEveryCitizenPage(t *testing.T) {
	d := apptest.StartDemo(t, apptest.FreePort(t))
	b := newBrowser(t, demoLeaves(t, d, "127.0.0.1"))()
	for _, p := range []string{"/", "/offices/buergerbuero", "/embed", "/wait/x", "/room/x", "/join/x"} {
		var href string
		var ok bool
		step(t, b, "privacy link on "+p, chromedp.Navigate(d.URL+p), chromedp.WaitVisible(`a#privacy-link`, chromedp.ByQuery),
			chromedp.AttributeValue(`a#privacy-link`, "href", &href, &ok, chromedp.ByQuery))
		if href != "/datenschutz" {
			t.Errorf("%s: privacy link goes to %q", p, href)
		}
	}
	var h1, controller, dpo string
	step(t, b, "follow the privacy link", chromedp.Navigate(d.URL+"/"), chromedp.Click(`a#privacy-link`, chromedp.ByQuery),
		chromedp.WaitVisible(`#retention`, chromedp.ByQuery), chromedp.Text(`h1`, &h1, chromedp.ByQuery),
		chromedp.Text(`#controller`, &controller, chromedp.ByQuery), chromedp.Text(`#dpo`, &dpo, chromedp.ByQuery))
	if !strings.Contains(h1, "Datenschutz") || !strings.Contains(controller, "Landkreis Musterland") || !strings.Contains(dpo, "datenschutz@musterland.example") {
		t.Errorf("privacy page: h1 %q, controller %q, dpo %q", h1, controller, dpo)
	}
}
