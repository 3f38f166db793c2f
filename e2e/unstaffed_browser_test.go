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
// knock button and no estimate, and so does the knock page; after a reload with a clerk on duty the
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
	var notice string
	var hasForm bool
	step(t, b, "knock page", chromedp.Navigate(srv.URL+"/offices/bauamt"),
		chromedp.WaitVisible("main .notice", chromedp.ByQuery),
		chromedp.Text("main", &notice, chromedp.ByQuery),
		chromedp.Evaluate(`!!document.getElementById('knock')`, &hasForm))
	if !strings.Contains(notice, "niemand im Dienst") || hasForm {
		t.Fatalf("knock page of the unstaffed Bauamt: form %v, text %q", hasForm, notice)
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
