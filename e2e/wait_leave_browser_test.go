package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
)

// TestLeavingTheWaitingRoomLeavesAWayBack: a citizen who leaves the
// waiting room still sees which office it was, the page stops announcing
// a place, the tab title loses it, and a link leads back to the offices.
func TestLeavingTheWaitingRoomLeavesAWayBack(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true})
	b := newBrowser(t, srv.CertPEM)()
	step(t, b, "knock", chromedp.Navigate(srv.URL+"/offices/buergerbuero?lang=de"), chromedp.WaitVisible("#concern", chromedp.ByID),
		chromedp.SendKeys("#concern", "Meldebescheinigung", chromedp.ByID),
		chromedp.Click("#knock button[type=submit]", chromedp.ByQuery),
		chromedp.WaitVisible("#number", chromedp.ByID),
		chromedp.Poll(`document.getElementById('place').textContent === '1' && document.getElementById('announce').textContent !== ''`, nil))
	var office, announce, title, href string
	var againHidden, leaveHidden bool
	step(t, b, "leave", chromedp.Evaluate(`window.confirm = () => true`, nil), chromedp.Click("#leave", chromedp.ByID),
		chromedp.WaitVisible("#again", chromedp.ByID),
		chromedp.Text("#office", &office, chromedp.ByID),
		chromedp.Evaluate(`document.getElementById('announce').textContent`, &announce),
		chromedp.Evaluate(`document.title`, &title),
		chromedp.Evaluate(`document.querySelector('#again a').getAttribute('href')`, &href),
		chromedp.Evaluate(`document.getElementById('again').hidden`, &againHidden),
		chromedp.Evaluate(`document.getElementById('leave').hidden`, &leaveHidden))
	if office != "(Bürgerbüro)" || announce != "" || strings.Contains(title, "Platz") || href != "/" || againHidden || !leaveHidden {
		t.Fatalf("after leaving: office %q, announcement %q, title %q, way back %q (hidden %v), leave button hidden %v", office, announce, title, href, againHidden, leaveHidden)
	}
	step(t, b, "way back", chromedp.Click("#again a", chromedp.ByQuery), chromedp.WaitVisible(`[data-office="buergerbuero"]`, chromedp.ByQuery))
}
