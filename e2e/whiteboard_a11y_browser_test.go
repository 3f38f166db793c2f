package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
)

// TestWhiteboardAxe runs axe-core (WCAG 2.0 and 2.1, A and AA) on the
// room with the whiteboard open and a drawing on it, as citizen and as
// clerk, in German and in Arabic, at 1280 and 320 px; the citizen's room
// must not scroll sideways at 320 px. The tool bar is reached and worked
// with the keyboard alone: Tab reaches the first tool, the arrow keys move
// along the bar in the page's direction, and focus is visible.
func TestWhiteboardAxe(t *testing.T) {
	src := axeScript(t)
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true})
	open := newSharedBrowser(t, srv.CertPEM)
	c := &a11yChecker{t: t, src: src, base: srv.URL, rep: &a11yReport{When: time.Now().UTC()}}
	defer func() {
		c.rep.write(t)
		if len(c.bad) > 0 {
			t.Errorf("accessibility violations:%s", strings.Join(c.bad, ""))
		}
	}()
	for _, lang := range []string{"de", "ar"} {
		citizen, clerk := open(), open()
		for _, ctx := range []context.Context{citizen, clerk} {
			setLangCookie(t, ctx, srv.URL, lang)
		}
		step(t, citizen, "knock", chromedp.Navigate(srv.URL+"/offices/buergerbuero?lang="+lang), chromedp.WaitVisible("#concern", chromedp.ByID),
			chromedp.SendKeys("#concern", "Barrierefreiheit der Tafel prüfen", chromedp.ByID),
			chromedp.Click("#knock button[type=submit]", chromedp.ByQuery), chromedp.WaitVisible("#number", chromedp.ByID),
			chromedp.Poll(`/^B-\d+$/.test(document.getElementById('number').textContent)`, nil))
		var number string
		step(t, citizen, "number", chromedp.Text("#number", &number, chromedp.ByID))
		login(t, clerk, srv.URL, srv.Clerks[0].Login, srv.Clerks[0].Password)
		admit := `li.ticket[data-number="` + number + `"] button[data-action=admit]`
		step(t, clerk, "admit", chromedp.WaitVisible(admit, chromedp.ByQuery), chromedp.Click(admit, chromedp.ByQuery), chromedp.WaitVisible("#chat-text", chromedp.ByID))
		step(t, citizen, "in the room", chromedp.WaitVisible("#chat-text", chromedp.ByID))
		openBoard(t, citizen)
		openBoard(t, clerk)
		step(t, citizen, "draw", mouseDrag([2]float64{0.2, 0.2}, [2]float64{0.6, 0.5}))
		boardItems(t, clerk, "clerk", 1)

		// the keyboard: Tab from the panel's button lands on the first tool,
		// the arrow key in reading direction moves to the next one
		var focused, next string
		step(t, citizen, "focus emulation", emulation.SetFocusEmulationEnabled(true))
		step(t, citizen, "tab to the tools", focus("#wb-toggle"), chromedp.KeyEvent("\t"),
			chromedp.Evaluate(`document.activeElement.dataset.tool || ''`, &focused))
		forward := kb.ArrowRight
		if lang == "ar" {
			forward = kb.ArrowLeft // the next tool is to the left in Arabic
		}
		step(t, citizen, "arrow to the next tool", chromedp.KeyEvent(forward), chromedp.Evaluate(`document.activeElement.dataset.tool || ''`, &next))
		if focused != "stroke" || next != "line" {
			t.Errorf("[%s] keyboard: Tab focused %q, the arrow key then %q; want stroke, line", lang, focused, next)
		}
		var outline string
		step(t, citizen, "focus is visible", chromedp.Evaluate(`getComputedStyle(document.activeElement).outlineStyle`, &outline))
		if outline == "none" || outline == "" {
			t.Errorf("[%s] the focused tool shows no outline", lang)
		}

		c.check(citizen, lang, "room as citizen, whiteboard open", true)
		c.check(clerk, lang, "room as clerk, whiteboard open", false)
		step(t, clerk, "end", chromedp.Click(`#actions button[data-action=end]`, chromedp.ByQuery), chromedp.WaitVisible("#offices section", chromedp.ByQuery))
	}
}
