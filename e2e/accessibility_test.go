package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
	"github.com/buergerbuero/buergerbuero/appliance/notify"
)

// a11yWidths are the viewport widths every page is checked at: a desktop
// and the 320 CSS px of WCAG 1.4.10 (reflow; also what 400 % zoom of a
// 1280 px window gives).
var a11yWidths = []int{1280, 320}

// a11yChecker runs axe-core on pages at every width and collects the
// results for the report.
type a11yChecker struct {
	t    *testing.T
	src  string
	base string
	rep  *a11yReport
	bad  []string
}

// check runs axe-core on the page ctx shows at each width; a citizen page
// must also not scroll sideways at 320 px.
func (c *a11yChecker) check(ctx context.Context, lang, name string, citizen bool) {
	c.t.Helper()
	for _, w := range a11yWidths {
		step(c.t, ctx, name+" at "+itoa(w)+" px", chromedp.EmulateViewport(int64(w), 900))
		res := a11yResult{Page: name, Lang: lang, Width: w, Violations: runAxe(c.t, ctx, c.src)}
		var geo struct {
			URL, Lang, Dir string
			Scroll, Inner  int
			Wide           []string
		}
		step(c.t, ctx, name+" geometry", chromedp.Evaluate(`({url: location.pathname, lang: document.documentElement.lang, dir: document.documentElement.dir || getComputedStyle(document.documentElement).direction,
			scroll: document.scrollingElement.scrollWidth, inner: innerWidth,
			wide: [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > innerWidth + 0.5 || e.getBoundingClientRect().left < -0.5).slice(-3)
				.map((e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className ? '.' + String(e.className).replace(/ /g, '.') : ''))})`, &geo))
		res.URL, res.HTMLLang, res.Dir, res.ScrollWidth = geo.URL, geo.Lang, geo.Dir, geo.Scroll
		if c.rep.Axe == "" {
			c.rep.Axe = axeVersion(c.t, ctx)
		}
		c.rep.add(res)
		if len(res.Violations) > 0 {
			c.bad = append(c.bad, res.describe())
		}
		if citizen && geo.Scroll > geo.Inner {
			c.bad = append(c.bad, "\n  "+name+" ["+lang+"] scrolls sideways at "+itoa(w)+" px: scrollWidth "+itoa(geo.Scroll)+" > "+itoa(geo.Inner)+", widest: "+strings.Join(geo.Wide, ", "))
		}
	}
	step(c.t, ctx, name+" back to desktop width", chromedp.EmulateViewport(1280, 900))
}

// TestAxeFindsNoViolationsOnAnyPage runs axe-core (WCAG 2.0 and 2.1, A
// and AA) on every page a citizen, clerk or interpreter sees, in German
// and in Arabic, at 1280 and 320 px, in one browser: the office list, the
// widget, the booking page (form, code entry with an error, confirmation),
// the cancel page before and after cancelling, the waitlist offer page,
// the knock form, the waiting room, the room as citizen, clerk and
// interpreter (before and after the privacy notice, with video), the staff
// login and console, the interpreter's invitation, the privacy page and
// the accessibility statement. Citizen pages must not scroll sideways at
// 320 px. The results are written to a JSON file the test names.
func TestAxeFindsNoViolationsOnAnyPage(t *testing.T) {
	src := axeScript(t)
	srv := apptest.Start(t, apptest.Options{Quiet: true, Configure: func(c *configT) { configureStatement(c); configureBooking(c) }})
	db := outboxDB(t, srv)
	open := newSharedBrowser(t, srv.CertPEM)
	c := &a11yChecker{t: t, src: src, base: srv.URL, rep: &a11yReport{When: time.Now().UTC()}}
	defer func() {
		c.rep.write(t)
		if len(c.bad) > 0 {
			t.Errorf("accessibility violations:%s", strings.Join(c.bad, ""))
		}
	}()
	for i, lang := range []string{"de", "ar"} {
		visit := func(ctx context.Context, path, ready string) {
			t.Helper()
			// the query goes before a fragment (an invite link's token)
			path, frag, hasFrag := strings.Cut(path, "#")
			if hasFrag {
				frag = "#" + frag
			}
			sep := "?"
			if strings.Contains(path, "?") {
				sep = "&"
			}
			step(t, ctx, "open "+path, chromedp.Navigate(srv.URL+path+sep+"lang="+lang+frag), chromedp.WaitVisible(ready, chromedp.ByQuery))
		}
		citizen, clerk, interpreter := open(), open(), open()
		for _, ctx := range []context.Context{citizen, clerk, interpreter} {
			setLangCookie(t, ctx, srv.URL, lang)
		}
		// pages anybody can open
		visit(interpreter, "/", "li.office")
		c.check(interpreter, lang, "office list", true)
		visit(interpreter, "/embed", "li.office")
		c.check(interpreter, lang, "widget (/embed)", true)
		visit(interpreter, "/datenschutz", "main h1")
		c.check(interpreter, lang, "privacy page", true)
		visit(interpreter, "/barrierefreiheit", "main h1")
		c.check(interpreter, lang, "accessibility statement", true)
		visit(interpreter, "/a/a_none#not-a-token", "#error")
		c.check(interpreter, lang, "join link of a booking, refused", true)

		// booking: the form, the code entry with an error, the
		// confirmation, the cancel page before and after, an offer page
		visit(interpreter, "/offices/bauamt/book", "#slots input")
		c.check(interpreter, lang, "booking page", true)
		contact := "a11y-" + lang + "@example.org"
		step(t, interpreter, "reserve", chromedp.Click("#slot-0", chromedp.ByID), chromedp.SendKeys("#contact", contact, chromedp.ByID),
			chromedp.Click("#hold", chromedp.ByID))
		waitPoW(t, interpreter, "#code-step")
		code := outboxMessage(t, db, notify.KindCode, contact).Code
		step(t, interpreter, "wrong code", chromedp.SendKeys("#code", "12345", chromedp.ByID),
			chromedp.Click("#code-form button[type=submit]", chromedp.ByQuery), chromedp.WaitVisible("#code-error", chromedp.ByID))
		c.check(interpreter, lang, "booking code entry with an error", true)
		var cancelHref string
		step(t, interpreter, "confirm", chromedp.Evaluate(`document.getElementById('code').value = ''`, nil), chromedp.SendKeys("#code", code, chromedp.ByID),
			chromedp.Click("#code-form button[type=submit]", chromedp.ByQuery), chromedp.WaitVisible("#done", chromedp.ByID),
			chromedp.AttributeValue("#done-cancel", "href", &cancelHref, nil, chromedp.ByID))
		c.check(interpreter, lang, "booking confirmation", true)
		step(t, interpreter, "open the cancel link", chromedp.Navigate(srv.URL+cancelHref), chromedp.WaitVisible("#cancel-confirm", chromedp.ByID))
		c.check(interpreter, lang, "cancel booking", true)
		step(t, interpreter, "cancel", chromedp.Click("#cancel-confirm", chromedp.ByID), chromedp.WaitVisible("#cancel-done", chromedp.ByID))
		c.check(interpreter, lang, "booking cancelled", true)
		visit(interpreter, "/w/a_none", "#offer-accept")
		c.check(interpreter, lang, "waitlist offer", true)

		// the citizen knocks and waits
		visit(citizen, "/offices/buergerbuero", "#concern")
		c.check(citizen, lang, "knock form", true)
		var number string
		step(t, citizen, "knock", chromedp.SendKeys("#concern", "Barrierefreiheit prüfen", chromedp.ByID),
			chromedp.Click("#knock button[type=submit]", chromedp.ByQuery), chromedp.WaitVisible("#number", chromedp.ByID))
		step(t, citizen, "waiting room shows the number",
			chromedp.Poll(`/^B-\d+$/.test(document.getElementById('number').textContent) && document.getElementById('place').textContent !== '…'`, nil),
			chromedp.Text("#number", &number, chromedp.ByID))
		c.check(citizen, lang, "waiting room", true)

		// a clerk signs in and admits
		clerkLogin := srv.Clerks[i]
		visit(clerk, "/staff/login", "#login")
		c.check(clerk, lang, "staff login", false)
		login(t, clerk, srv.URL, clerkLogin.Login, clerkLogin.Password)
		admit := `li.ticket[data-number="` + number + `"] button[data-action=admit]`
		step(t, clerk, "see the knock", chromedp.WaitVisible(admit, chromedp.ByQuery))
		c.check(clerk, lang, "staff console", false)
		step(t, clerk, "admit", chromedp.Click(admit, chromedp.ByQuery), chromedp.WaitVisible(`button[data-action="consent"]`, chromedp.ByQuery))
		step(t, citizen, "called into the room", chromedp.WaitVisible(`button[data-action="consent"]`, chromedp.ByQuery))
		c.check(citizen, lang, "room as citizen, privacy notice", true)
		c.check(clerk, lang, "room as clerk, privacy notice", false)
		for _, ctx := range []context.Context{citizen, clerk} {
			step(t, ctx, "consent", chromedp.Click(`button[data-action="consent"]`, chromedp.ByQuery), chromedp.WaitVisible(`.bb-controls button`, chromedp.ByQuery))
		}
		c.check(citizen, lang, "room as citizen, video", true)
		c.check(clerk, lang, "room as clerk, video", false)

		// an interpreter joins with the clerk's link
		var link string
		step(t, clerk, "interpreter link", chromedp.Click(`#actions button[data-action=invite]`, chromedp.ByQuery),
			chromedp.WaitVisible(`#invite-form`, chromedp.ByID), chromedp.Click(`#invite-form button[type=submit]`, chromedp.ByQuery),
			chromedp.WaitVisible(`#actions .invite code`, chromedp.ByQuery), chromedp.Text(`#actions .invite code`, &link, chromedp.ByQuery))
		visit(interpreter, strings.TrimPrefix(link, srv.URL), "#join")
		c.check(interpreter, lang, "interpreter invitation", true)
		step(t, interpreter, "join", chromedp.Click("#join", chromedp.ByID), chromedp.WaitVisible("#chat-text", chromedp.ByID))
		c.check(interpreter, lang, "room as interpreter", true)

		// the clerk ends the consultation
		step(t, clerk, "end", chromedp.Click(`#actions button[data-action=end]`, chromedp.ByQuery), chromedp.WaitVisible("#offices section", chromedp.ByQuery))
		step(t, citizen, "ended", chromedp.Poll(`document.getElementById('chat-form').hidden`, nil))
		c.check(citizen, lang, "room as citizen, ended", true)
		visit(clerk, "/staff/appointments", "#dayview")
		c.check(clerk, lang, "staff day view", false)
	}
}

// configureStatement fills the accessibility statement's configuration as
// a county would.
func configureStatement(c *configT) {
	c.Site.Accessibility.ContactEmail = "barrierefreiheit@testkreis.example"
	c.Site.Accessibility.ContactPhone = "+49 6151 12345-0"
	c.Site.Accessibility.EnforcementBody.Name = "Durchsetzungsstelle für barrierefreie Informationstechnik des Landes"
	c.Site.Accessibility.EnforcementBody.URL = "https://land.example/durchsetzungsstelle"
	c.Site.Accessibility.KnownLimitations = []string{"Hochgeladene PDF-Dateien anderer Stellen sind nicht immer barrierefrei."}
	c.Site.Accessibility.Date = "2025-11-29"
}
