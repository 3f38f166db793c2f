package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
)

// textZoomJS doubles the root font size, as a reader's text zoom to 200 %
// does (WCAG 1.4.4), measures the page and restores it, in one synchronous
// run so no script of the page changes the page in between. It returns
// what breaks:
//   - sideways scrolling (the page wider than the window);
//   - text that did not grow (sizes in px instead of rem/em);
//   - controls visible before that are gone, outside the window or cut off
//     by an ancestor that hides its overflow;
//   - controls whose text no longer fits in their box (scrollWidth or
//     scrollHeight beyond clientWidth/clientHeight): buttons, links shown
//     as buttons, selects, and text fields (those only in height: a long
//     value scrolls inside its field by design).
const textZoomJS = `(() => {
  const controls = () => [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button]')];
  const desc = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().replace(/\s+/g, '.') : '') +
    ' "' + (e.getAttribute('aria-label') || e.textContent || e.value || e.name || '').trim().replace(/\s+/g, ' ').slice(0, 30) + '"';
  const shown = (e) => { const r = e.getBoundingClientRect(); return e.checkVisibility({visibilityProperty: true, opacityProperty: true}) && r.width > 2 && r.height > 2; };
  const ownText = (e) => [...e.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
  const size = (e) => parseFloat(getComputedStyle(e).fontSize);
  const before = new Map(controls().filter(shown).map((e) => [e, true]));
  const texts = [...document.querySelectorAll('body *')].filter((e) => ownText(e) && shown(e)).map((e) => [e, size(e)]);

  const root = document.documentElement, old = root.style.fontSize;
  root.style.fontSize = '200%';
  const bad = [];
  try {
    const sw = document.scrollingElement.scrollWidth;
    if (sw > innerWidth) {
      const wide = [...document.querySelectorAll('body *')].filter((e) => { const r = e.getBoundingClientRect(); return r.right > innerWidth + 0.5 || r.left < -0.5; }).slice(-3).map(desc);
      bad.push('scrolls sideways: scrollWidth ' + sw + ' > ' + innerWidth + ' (widest: ' + wide.join(', ') + ')');
    }
    for (const [e, px] of texts) {
      if (e.isConnected && size(e) < px * 1.8) bad.push('text does not grow: ' + desc(e) + ' ' + px + 'px → ' + size(e) + 'px');
    }
    for (const e of before.keys()) {
      if (!e.isConnected) continue;
      if (!shown(e)) { bad.push('control gone: ' + desc(e)); continue; }
      const r = e.getBoundingClientRect();
      if (r.left < -0.5 || r.right > innerWidth + 0.5) bad.push('control outside the window: ' + desc(e) + ' [' + Math.round(r.left) + ', ' + Math.round(r.right) + ']');
      for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
        const cs = getComputedStyle(a);
        if (!/hidden|clip/.test(cs.overflowX + ' ' + cs.overflowY)) continue;
        const ar = a.getBoundingClientRect();
        if (r.left < ar.left - 1 || r.right > ar.right + 1 || r.top < ar.top - 1 || r.bottom > ar.bottom + 1) { bad.push('control cut off by ' + desc(a) + ': ' + desc(e)); break; }
      }
      const cs = getComputedStyle(e);
      if (cs.display.startsWith('inline') && cs.display !== 'inline-block' && cs.display !== 'inline-flex' && cs.display !== 'inline-grid') continue; // text links wrap with their line
      const field = e.matches('textarea, input:not([type=submit], [type=button], [type=reset], [type=checkbox], [type=radio], [type=file])');
      if ((!field && e.scrollWidth > e.clientWidth + 1) || e.scrollHeight > e.clientHeight + 1) {
        bad.push('text clipped in ' + desc(e) + ': content ' + e.scrollWidth + '×' + e.scrollHeight + ' in ' + e.clientWidth + '×' + e.clientHeight);
      }
    }
  } finally {
    root.style.fontSize = old;
  }
  return {checked: before.size, texts: texts.length, bad};
})()`

// zoomChecker checks pages at 1280 px with the text at 200 %.
type zoomChecker struct {
	t   *testing.T
	bad []string
}

func (z *zoomChecker) check(ctx context.Context, lang, name string) {
	z.t.Helper()
	var res struct {
		Checked, Texts int
		Bad            []string
	}
	step(z.t, ctx, name+" at 1280 px", chromedp.EmulateViewport(1280, 900))
	step(z.t, ctx, name+" with text at 200 %", chromedp.Evaluate(textZoomJS, &res))
	if res.Checked == 0 || res.Texts == 0 {
		z.t.Errorf("%s [%s]: nothing to check (%d controls, %d texts): is the page there?", name, lang, res.Checked, res.Texts)
	}
	for _, b := range res.Bad {
		z.bad = append(z.bad, "\n  "+name+" ["+lang+"]: "+b)
	}
	z.t.Logf("%s [%s]: %d controls, %d texts checked at 200 %% text", name, lang, res.Checked, res.Texts)
}

// TestTextZoom200OnEveryPage: a reader who doubles the text size (WCAG
// 1.4.4, "resize text": 200 % without loss of content or function) in a
// 1280 px window can still use every page a citizen or clerk sees, in
// German and in Arabic (right to left): the office list, the widget, the
// knock form, the waiting room, the room as citizen (privacy notice and
// video) and as clerk, the privacy page, the accessibility statement, a
// booking's join link (refused), the booking page, the cancel and
// waitlist-offer pages, the staff login, the console and the day
// view. All text grows, nothing scrolls sideways, no control disappears,
// leaves the window or is cut off, and no control's text is clipped.
func TestTextZoom200OnEveryPage(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true, Configure: func(c *configT) { configureStatement(c); configureBooking(c) }})
	open := newSharedBrowser(t, srv.CertPEM)
	z := &zoomChecker{t: t}
	defer func() {
		if len(z.bad) > 0 {
			t.Errorf("text zoom to 200 %% breaks pages:%s", strings.Join(z.bad, ""))
		}
	}()
	for i, lang := range []string{"de", "ar"} {
		visit := func(ctx context.Context, path, ready string) {
			t.Helper()
			step(t, ctx, "open "+path, chromedp.Navigate(srv.URL+path), chromedp.WaitVisible(ready, chromedp.ByQuery), pageScriptsRan)
		}
		citizen, clerk := open(), open()
		for _, ctx := range []context.Context{citizen, clerk} {
			setLangCookie(t, ctx, srv.URL, lang)
		}
		visit(citizen, "/", "li.office")
		z.check(citizen, lang, "office list")
		visit(citizen, "/embed", "li.office")
		z.check(citizen, lang, "widget (/embed)")
		visit(citizen, "/datenschutz", "main h1")
		z.check(citizen, lang, "privacy page")
		visit(citizen, "/barrierefreiheit", "main h1")
		z.check(citizen, lang, "accessibility statement")
		visit(citizen, "/a/a_none#not-a-token", "#error")
		z.check(citizen, lang, "join link of a booking, refused")
		visit(citizen, "/offices/bauamt/book", "#slots input")
		z.check(citizen, lang, "booking page")
		visit(citizen, "/a/a_none/cancel", "#cancel-confirm")
		z.check(citizen, lang, "cancel booking")
		visit(citizen, "/w/a_none", "#offer-accept")
		z.check(citizen, lang, "waitlist offer")

		visit(citizen, "/offices/buergerbuero", "#concern")
		z.check(citizen, lang, "knock form")
		var number string
		step(t, citizen, "knock", chromedp.SendKeys("#concern", "Große Schrift bitte", chromedp.ByID),
			chromedp.Click("#knock button[type=submit]", chromedp.ByQuery), chromedp.WaitVisible("#number", chromedp.ByID))
		step(t, citizen, "waiting room shows the number",
			chromedp.Poll(`/^B-\d+$/.test(document.getElementById('number').textContent) && document.getElementById('place').textContent !== '…'`, nil),
			chromedp.Text("#number", &number, chromedp.ByID))
		z.check(citizen, lang, "waiting room")

		visit(clerk, "/staff/login", "#login")
		z.check(clerk, lang, "staff login")
		login(t, clerk, srv.URL, srv.Clerks[i].Login, srv.Clerks[i].Password)
		admit := `li.ticket[data-number="` + number + `"] button[data-action=admit]`
		step(t, clerk, "see the knock", chromedp.WaitVisible(admit, chromedp.ByQuery))
		z.check(clerk, lang, "staff console")
		step(t, clerk, "admit", chromedp.Click(admit, chromedp.ByQuery), chromedp.WaitVisible(`button[data-action="consent"]`, chromedp.ByQuery))
		step(t, citizen, "called into the room", chromedp.WaitVisible(`button[data-action="consent"]`, chromedp.ByQuery))
		z.check(citizen, lang, "room as citizen, privacy notice")
		for _, ctx := range []context.Context{citizen, clerk} {
			step(t, ctx, "consent", chromedp.Click(`button[data-action="consent"]`, chromedp.ByQuery), chromedp.WaitVisible(`.bb-controls button`, chromedp.ByQuery))
		}
		z.check(citizen, lang, "room as citizen, video")
		z.check(clerk, lang, "room as clerk, video")
		step(t, clerk, "end", chromedp.Click(`#actions button[data-action=end]`, chromedp.ByQuery), chromedp.WaitVisible("#offices section", chromedp.ByQuery))
		visit(clerk, "/staff/appointments", "#dayview")
		z.check(clerk, lang, "staff day view")
	}
}
