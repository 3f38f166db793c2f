package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestStatisticsPageInTheBrowser: a lead follows the console's link to the
// statistics page of the scripted day; it shows two SVG charts, each an
// image with a name and a description and a data table beside it, whose
// bars carry their numbers as text. The office filter posts and lands on
// the filtered page's address. axe-core finds nothing in German and
// English, at 1280 and 320 px.
func TestStatisticsPageInTheBrowser(t *testing.T) {
	src := axeScript(t)
	srv, clock := statsAppliance(t, false)
	scriptDay(t, srv, clock)
	berlin, _ := time.LoadLocation(srv.Config.Site.TimeZone)
	day := clock.start.In(berlin).Format("2006-01-02")
	carla := srv.Clerks[2]
	b := newSharedBrowser(t, srv.CertPEM)()
	setLangCookie(t, b, srv.URL, "de")
	step(t, b, "sign in", chromedp.Navigate(srv.URL+"/staff/login"), chromedp.WaitVisible("#login", chromedp.ByID),
		chromedp.SendKeys("#login", carla.Login, chromedp.ByID), chromedp.SendKeys("#password", carla.Password, chromedp.ByID),
		chromedp.Submit("#password", chromedp.ByID), chromedp.WaitVisible("#stats-link", chromedp.ByID))
	// the console's script may still replace nodes: click in the page
	step(t, b, "console link", chromedp.Poll(`(() => { const a = document.getElementById('stats-link'); if (!a) return false; a.click(); return true })()`, nil),
		chromedp.WaitVisible("#stats-offices", chromedp.ByID))
	step(t, b, "the scripted day", chromedp.Navigate(srv.URL+"/staff/stats?from="+day+"&to="+day), chromedp.WaitVisible("#stats-offices", chromedp.ByID))

	var charts []struct {
		ID, Role, Name, Table string
		Bars                  int
		Texts                 []string
	}
	step(t, b, "charts", chromedp.Evaluate(`[...document.querySelectorAll('svg')].map((s) => ({
		id: s.id, role: s.getAttribute('role'),
		name: (s.getAttribute('aria-labelledby') || '').split(' ').map((i) => document.getElementById(i)?.textContent || '').join(' | '),
		table: s.nextElementSibling?.tagName === 'TABLE' ? s.nextElementSibling.querySelector('caption').textContent : '',
		bars: s.querySelectorAll('rect.bar').length,
		texts: [...s.querySelectorAll('text')].map((x) => x.textContent)}))`, &charts))
	if len(charts) != 2 {
		t.Fatalf("%d charts, want 2", len(charts))
	}
	for _, c := range charts {
		if c.Role != "img" || !strings.Contains(c.Name, " | ") || strings.HasPrefix(c.Name, " ") || c.Table == "" || c.Bars == 0 {
			t.Errorf("chart %s: role %q, name %q, table beside %q, %d bars", c.ID, c.Role, c.Name, c.Table, c.Bars)
		}
	}
	if got := strings.Join(charts[0].Texts, " "); !strings.Contains(got, "20") {
		t.Errorf("the day's column does not say 20 knocks: %q", got)
	}
	if got := strings.Join(charts[1].Texts, " "); !strings.Contains(got, "Eingelassen") || !strings.Contains(got, "14") || !strings.Contains(got, "< 5") {
		t.Errorf("the outcome bars do not carry names and numbers (14 admitted, small cells < 5): %q", got)
	}

	for _, lang := range []string{"de", "en"} {
		setLangCookie(t, b, srv.URL, lang)
		for _, w := range []int64{1280, 320} {
			step(t, b, "statistics in "+lang, chromedp.EmulateViewport(w, 900), chromedp.Reload(), chromedp.WaitVisible("#stats-offices", chromedp.ByID))
			for _, x := range runAxe(t, b, src) {
				t.Errorf("statistics %s at %d px: axe %s (%s): %s %v", lang, w, x.ID, x.Impact, x.Help, x.Nodes)
			}
		}
	}
	step(t, b, "desktop", chromedp.EmulateViewport(1280, 900))

	var url string
	var rows []string
	step(t, b, "office filter", chromedp.SetValue("#stats-office", "bauamt", chromedp.ByID), chromedp.Submit("#stats-office", chromedp.ByID))
	// only the filtered page has the Bauamt selected
	step(t, b, "filtered page", chromedp.WaitReady(`#stats-office option[value="bauamt"][selected]`, chromedp.ByQuery),
		chromedp.WaitVisible("#stats-offices", chromedp.ByID), chromedp.Location(&url),
		chromedp.Evaluate(`[...document.querySelectorAll('#stats-offices tbody th')].map((th) => th.textContent)`, &rows))
	if !strings.Contains(url, "from="+day) || len(rows) != 2 || rows[0] != "Bauamt" {
		t.Errorf("filtered to the Bauamt: %s shows %v", url, rows)
	}
}
