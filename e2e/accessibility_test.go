package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
)

// a11yJS lists basic WCAG 2.1 failures a machine can find: a missing page
// language or title, form controls without a label, buttons and links
// without an accessible name, images without alt, skipped heading levels.
const a11yJS = `(() => {
  const bad = [];
  if (!document.documentElement.lang) bad.push('html without lang');
  if (!document.title.trim()) bad.push('no title');
  for (const c of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
    const labelled = (c.id && document.querySelector('label[for="' + c.id + '"]')) || c.closest('label') || c.getAttribute('aria-label') || c.getAttribute('aria-labelledby');
    if (!labelled) bad.push('unlabelled ' + c.tagName + '#' + c.id);
  }
  for (const b of document.querySelectorAll('button, a[href]')) {
    if (!(b.textContent.trim() || b.getAttribute('aria-label') || b.getAttribute('title'))) bad.push('nameless ' + b.tagName);
  }
  for (const i of document.querySelectorAll('img')) if (!i.hasAttribute('alt')) bad.push('img without alt');
  let last = 0;
  for (const h of document.querySelectorAll('h1, h2, h3, h4')) {
    const n = Number(h.tagName[1]);
    if (n > last + 1) bad.push('heading jumps to ' + h.tagName);
    last = n;
  }
  if (document.querySelectorAll('h1').length !== 1) bad.push('not exactly one h1');
  if (!document.querySelector('main')) bad.push('no main landmark');
  return bad;
})()`

// TestPagesPassBasicAccessibilityChecks runs a11yJS on every page a
// citizen or clerk sees, in German and in English.
func TestPagesPassBasicAccessibilityChecks(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true})
	open := newBrowser(t, srv.CertPEM)
	b := open()
	c := newClient(t, srv)
	k := c.knock("buergerbuero", "Barrierefreiheit prüfen")
	pages := []string{"/", "/offices/buergerbuero", "/offices/bauamt", "/embed", "/staff/login", "/join/x", "/wait/" + k.ID, "/datenschutz"}
	for _, lang := range []string{"de", "en"} {
		for _, p := range pages {
			var bad []string
			step(t, b, "open "+p, chromedp.Navigate(srv.URL+p+"?lang="+lang), chromedp.WaitReady("main", chromedp.ByQuery), chromedp.Evaluate(a11yJS, &bad))
			if len(bad) > 0 {
				t.Errorf("%s (%s): %v", p, lang, bad)
			}
		}
	}
	login(t, b, srv.URL, "anna", srv.Clerks[0].Password)
	var bad []string
	step(t, b, "console", chromedp.WaitVisible(`li.ticket`, chromedp.ByQuery), chromedp.Evaluate(a11yJS, &bad))
	if len(bad) > 0 {
		t.Errorf("staff console: %v", bad)
	}
}
