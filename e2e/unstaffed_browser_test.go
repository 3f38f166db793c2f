package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
	"github.com/buergerbuero/buergerbuero/appliance/config"
)

// TestOfficeListSaysNobodyOnDuty: the office list and the widget show
// "zurzeit niemand im Dienst" for an open office without a clerk, with no
// knock button and no estimate; after a reload with a clerk on duty the
// notice is gone and the citizen can knock.
func TestOfficeListSaysNobodyOnDuty(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true, Configure: func(c *config.Config) {
		c.Offices[1].KnocksWithoutClerk = false // bauamt
	}})
	b := newBrowser(t, srv.CertPEM)()
	const bauamt = `[data-office="bauamt"]`
	for _, page := range []string{"/", "/embed"} {
		var text string
		var hasButton, estimateShown bool
		step(t, b, "office list "+page, chromedp.Navigate(srv.URL+page),
			chromedp.WaitVisible(bauamt+` [data-field=unstaffed]`, chromedp.ByQuery),
			chromedp.Text(bauamt+` .status`, &text, chromedp.ByQuery),
			chromedp.Evaluate(`!!document.querySelector('`+bauamt+` a.button')`, &hasButton),
			chromedp.Evaluate(`!document.querySelector('`+bauamt+` [data-field=estimate-row]').hidden`, &estimateShown))
		if !strings.Contains(text, "zurzeit niemand im Dienst") || hasButton || estimateShown {
			t.Fatalf("%s: Bauamt shows %q, knock button %v, estimate %v", page, text, hasButton, estimateShown)
		}
	}
	anna := newClient(t, srv)
	anna.login("anna", srv.Clerks[0].Password)
	if st := anna.do("PUT", "/api/v1/staff/me/presence", map[string]string{"presence": "available"}, nil); st != 200 {
		t.Fatalf("presence: %d", st)
	}
	step(t, b, "office list with Anna on duty", chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(bauamt+` a.button`, chromedp.ByQuery),
		chromedp.WaitNotVisible(bauamt+` [data-field=unstaffed]`, chromedp.ByQuery))
}
