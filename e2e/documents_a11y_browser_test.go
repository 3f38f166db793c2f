package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
)

// TestDocumentsAccessible runs axe-core on the room with documents listed
// and a refused upload's message showing, for the citizen and the clerk,
// in German and in Arabic (right to left), at desktop and phone width.
func TestDocumentsAccessible(t *testing.T) {
	src := axeScript(t)
	for _, lang := range []string{"de", "ar"} {
		t.Run(lang, func(t *testing.T) {
			srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true})
			open := newBrowser(t, srv.CertPEM)
			citizen, clerk := open(), open()
			setLangCookie(t, citizen, srv.URL, lang)
			setLangCookie(t, clerk, srv.URL, lang)
			step(t, citizen, "knock", chromedp.Navigate(srv.URL+"/offices/buergerbuero"), chromedp.WaitVisible("#concern", chromedp.ByID),
				chromedp.SendKeys("#concern", "Unterlagen", chromedp.ByID),
				chromedp.Click("#knock button[type=submit]", chromedp.ByQuery), chromedp.WaitVisible("#number", chromedp.ByID))
			login(t, clerk, srv.URL, "anna", srv.Clerks[0].Password)
			step(t, clerk, "admit", chromedp.Click(`li.ticket[data-number="B-001"] button[data-action=admit]`, chromedp.ByQuery),
				chromedp.WaitVisible("#document-form", chromedp.ByID))
			step(t, citizen, "in the room", chromedp.WaitVisible("#document-form", chromedp.ByID))
			uploadFile(t, citizen, "Antrag.pdf", []byte("%PDF-1.4\n%%EOF\n"))
			listed(t, clerk, "Antrag.pdf")
			listed(t, citizen, "Antrag.pdf")
			uploadFile(t, citizen, "seite.html", []byte("<html><body>x</body></html>"))
			step(t, citizen, "refusal shown", chromedp.WaitVisible("#document-error", chromedp.ByID))
			for _, p := range []struct {
				name string
				ctx  contextT
			}{{"room with documents as citizen", citizen}, {"room with documents as clerk", clerk}} {
				for _, w := range []int{1280, 320} {
					step(t, p.ctx, p.name+" at "+itoa(w), chromedp.EmulateViewport(int64(w), 900))
					res := a11yResult{Page: p.name, Lang: lang, Width: w, Violations: runAxe(t, p.ctx, src)}
					if len(res.Violations) > 0 {
						t.Error(res.describe())
					}
				}
			}
		})
	}
}
