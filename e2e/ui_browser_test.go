package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
)

// visibleJS reports whether the element sel is on the page and rendered
// (not display:none, not hidden), as a user would see it.
func visibleJS(sel string) string {
	return `(() => { const e = document.querySelector(` + jsString(sel) + `); return !!e && e.checkVisibility({visibilityProperty: true}) && e.getBoundingClientRect().width > 0; })()`
}

// watchEnterJS records in the tab's session storage how the waiting
// room's enter button looks the moment it is shown: the page follows the
// call at once, so the test reads the record on the next page.
const watchEnterJS = `(() => { const a = document.getElementById('enter');
  new MutationObserver(() => { if (!a.hidden) sessionStorage.setItem('bb_test_enter', JSON.stringify({shown: a.checkVisibility({visibilityProperty: true}) && a.getBoundingClientRect().width > 0, href: a.href})); })
    .observe(a, {attributes: true}); return true; })()`

// TestWhatClerkAndCitizenSee walks one visit through the pages and checks
// what each side sees: language names on the knock form; no way into the
// room before the call and a working one after it; the console's presence
// label in both languages, counts that match its rows and a colleague's
// consultation with the colleague's name but no content; the clerk's visit
// panel (number, concern, language, forwarding note, notes, a running
// clock) that the citizen does not get; and a video-first room at 1280 px
// and on a 360 px phone.
func TestWhatClerkAndCitizenSee(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true})
	open := newBrowser(t, srv.CertPEM)
	citizen, anna, ben := open(), open(), open()
	const concern = "Frage zur Aufenthaltserlaubnis meiner Mutter"

	// knock form: each language in its own name and direction
	var names []string
	step(t, citizen, "open the Ausländerbehörde's knock form", chromedp.Navigate(srv.URL+"/offices/auslaenderbehoerde"),
		chromedp.WaitVisible("#language", chromedp.ByID),
		chromedp.Evaluate(`[...document.querySelectorAll('#language option')].map((o) => o.textContent + '|' + o.lang + '|' + o.dir)`, &names))
	if strings.Join(names, ",") != "Deutsch|de|ltr,English|en|ltr,العربية|ar|rtl" {
		t.Errorf("Ausländerbehörde's language list shows %q, want each language's own name with lang and dir", names)
	}
	step(t, citizen, "open the Bürgerbüro's knock form", chromedp.Navigate(srv.URL+"/offices/buergerbuero"),
		chromedp.WaitVisible("#concern", chromedp.ByID),
		chromedp.Evaluate(`[...document.querySelectorAll('#language option')].map((o) => o.textContent)`, &names))
	if strings.Join(names, ",") != "Deutsch,English,Türkçe" {
		t.Errorf("Bürgerbüro's language list shows %q, want Deutsch, English, Türkçe", names)
	}
	step(t, citizen, "knock in Turkish",
		chromedp.SendKeys("#concern", concern, chromedp.ByID),
		chromedp.SendKeys("#name", "Ayşe Demir", chromedp.ByID),
		chromedp.SetValue("#language", "tr", chromedp.ByID),
		chromedp.Click("#knock button[type=submit]", chromedp.ByQuery),
		chromedp.WaitVisible("#number", chromedp.ByID),
		chromedp.Poll(`document.getElementById('place').textContent === '1'`, nil))

	// waiting: there is no way into a room yet
	var enterShown bool
	var enterHref string
	step(t, citizen, "look for the enter button while waiting", chromedp.Evaluate(visibleJS("#enter"), &enterShown),
		chromedp.Evaluate(`document.getElementById('enter').getAttribute('href') || ''`, &enterHref))
	if enterShown || enterHref != "" {
		t.Errorf("while waiting, the enter button is visible=%v with href %q; want it hidden and leading nowhere", enterShown, enterHref)
	}

	// a colleague forwards the ticket to the Bauamt with a note, and a
	// second citizen waits there
	benAPI := newClient(t, srv)
	benAPI.login(srv.Clerks[1].Login, srv.Clerks[1].Password)
	if st := benAPI.do("POST", "/api/v1/staff/tickets/B-001/forward", map[string]string{"office_id": "bauamt", "note": "Bitte Bauantrag prüfen"}, nil); st != 200 {
		t.Fatalf("forward B-001: status %d", st)
	}
	newClient(t, srv).knock("bauamt", "Noch ein Anliegen im Bauamt")

	// the console in English and in German: the presence label is a word
	login(t, anna, srv.URL, srv.Clerks[0].Login, srv.Clerks[0].Password)
	for _, c := range []struct{ lang, label, available string }{{"en", "Status", "Available"}, {"de", "Status", "Verfügbar"}} {
		var label, option string
		step(t, anna, "console in "+c.lang, chromedp.Navigate(srv.URL+"/staff?lang="+c.lang), chromedp.WaitVisible("#offices section", chromedp.ByQuery),
			chromedp.Text(`label[for=presence]`, &label, chromedp.ByQuery),
			chromedp.Evaluate(`document.querySelector('#presence option[value=available]').textContent`, &option))
		if label != c.label || option != c.available {
			t.Errorf("console (%s): presence label %q, option %q; want %q, %q", c.lang, label, option, c.label, c.available)
		}
	}

	// the call: the citizen's page shows the way in, to the real room
	step(t, citizen, "watch the enter button", chromedp.Evaluate(watchEnterJS, nil))
	step(t, anna, "admit B-001 in the Bauamt", chromedp.Click(`section[data-office=bauamt] li.ticket[data-number="B-001"] button[data-action=admit]`, chromedp.ByQuery),
		chromedp.WaitVisible("#chat-text", chromedp.ByID))
	step(t, citizen, "the citizen is in the room", chromedp.WaitVisible("#chat-text", chromedp.ByID), chromedp.Poll(`location.pathname.startsWith('/room/')`, nil))
	var seen struct {
		Shown bool
		Href  string
	}
	step(t, citizen, "how the enter button looked at the call", chromedp.Evaluate(`JSON.parse(sessionStorage.getItem('bb_test_enter') || '{}')`, &seen))
	if !seen.Shown || !strings.HasPrefix(seen.Href, srv.URL+"/room/") {
		t.Errorf("at the call, the enter button was visible=%v and led to %q; want visible and %s/room/…", seen.Shown, seen.Href, srv.URL)
	}
	var roomPath string
	step(t, citizen, "room path", chromedp.Evaluate(`location.origin + location.pathname`, &roomPath))
	if seen.Href != roomPath {
		t.Errorf("the enter button led to %q, the citizen's room is %q", seen.Href, roomPath)
	}

	// a colleague's console: counts match the rows; the running
	// consultation shows with whom, not what about
	login(t, ben, srv.URL, srv.Clerks[1].Login, srv.Clerks[1].Password)
	bauamt := `section[data-office=bauamt]`
	step(t, ben, "see Anna's consultation", chromedp.Poll(`(document.querySelector('`+bauamt+` li.ticket[data-number="B-001"]') || {}).textContent?.includes('im Gespräch bei Anna Schneider seit')`, nil))
	var heading, row string
	var rows int
	step(t, ben, "read the Bauamt's queue", chromedp.Text(bauamt+` h2`, &heading, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll('`+bauamt+` li.ticket').length`, &rows),
		chromedp.Text(bauamt+` li.ticket[data-number="B-001"]`, &row, chromedp.ByQuery))
	if heading != "Bauamt – 1 wartend · 1 im Gespräch" || rows != 2 {
		t.Errorf("Bauamt heading %q over %d rows; want the counts of its rows (1 waiting, 1 in consultation)", heading, rows)
	}
	if strings.Contains(row, concern) || strings.Contains(row, "Ayşe") {
		t.Errorf("a colleague's consultation shows its content in the queue: %q", row)
	}

	// the clerk's visit panel
	step(t, anna, "desktop window", emulation.SetDeviceMetricsOverride(1280, 800, 1, false))
	var number, gotConcern, lang, forwards, elapsed string
	step(t, anna, "the visit panel", chromedp.WaitVisible("#visit", chromedp.ByID),
		chromedp.Text("#visit-number", &number, chromedp.ByID), chromedp.Text("#visit-concern", &gotConcern, chromedp.ByID),
		chromedp.Text("#visit-language", &lang, chromedp.ByID), chromedp.Text("#visit-forwards", &forwards, chromedp.ByID),
		chromedp.Text("#visit-elapsed", &elapsed, chromedp.ByID))
	if number != "B-001" || gotConcern != concern || lang != "Türkisch (Türkçe)" ||
		!strings.Contains(forwards, "Ben Yılmaz: Bürgerbüro → Bauamt") || !strings.Contains(forwards, "Bitte Bauantrag prüfen") {
		t.Errorf("visit panel: number %q, concern %q, language %q, forwards %q", number, gotConcern, lang, forwards)
	}
	step(t, anna, "the consultation clock runs", chromedp.Poll(`(() => { const v = document.getElementById('visit-elapsed').textContent; return /^\d+:\d\d$/.test(v) && v !== `+jsString(elapsed)+`; })()`, nil))
	step(t, anna, "add an internal note", chromedp.SendKeys("#note-text", "Unterlagen nachreichen", chromedp.ByID),
		chromedp.Click("#note-form button[type=submit]", chromedp.ByQuery),
		chromedp.Poll(`document.getElementById('visit-notes').textContent.includes('Anna Schneider') && document.getElementById('visit-notes').textContent.includes('Unterlagen nachreichen')`, nil))

	var citizenPanel bool
	var citizenText string
	step(t, citizen, "the citizen's room has no visit panel", chromedp.Evaluate(visibleJS("#visit"), &citizenPanel),
		chromedp.Evaluate(`document.body.innerText`, &citizenText))
	if citizenPanel || strings.Contains(citizenText, "Unterlagen nachreichen") || strings.Contains(citizenText, "Bitte Bauantrag") {
		t.Errorf("the citizen sees the clerk's visit panel (shown %v) or its notes", citizenPanel)
	}

	// video first: at 1280 px the other side's video takes most of the width
	step(t, anna, "clerk consents", chromedp.Click(`button[data-action="consent"]`, chromedp.ByQuery))
	step(t, citizen, "citizen consents", chromedp.Click(`button[data-action="consent"]`, chromedp.ByQuery))
	step(t, anna, "the citizen's video arrives", chromedp.WaitVisible(`#media figure.bb-tile-remote`, chromedp.ByQuery))
	var width float64
	step(t, anna, "measure the video", chromedp.Evaluate(`document.querySelector('#media figure.bb-tile-remote').getBoundingClientRect().width / window.innerWidth`, &width))
	if width < 0.6 {
		t.Errorf("at 1280×800 the citizen's video is %.0f %% of the window's width; want at least 60 %%", width*100)
	}

	// and on a phone: video first, nothing sideways, the panel below
	emulatePhone(t, anna)
	checkPhoneLayout(t, anna, "clerk's room on a phone", [][2]string{
		{"mute", `button[data-action="mute"]`}, {"end", `#actions button[data-action="end"]`},
		{"note", `#note-text`}, {"save note", `#note-form button[type=submit]`}, {"chat message", `#chat-text`},
	}, nil)
	for _, who := range []struct {
		name string
		ctx  context.Context
	}{{"clerk", anna}, {"citizen", citizen}} {
		if who.name == "citizen" {
			emulatePhone(t, citizen)
		}
		var top float64
		step(t, who.ctx, who.name+"'s video above the fold", chromedp.Evaluate(`(() => { window.scrollTo(0, 0);
  const r = document.querySelector('#media figure.bb-tile-remote').getBoundingClientRect(); return r.bottom <= window.innerHeight ? r.top : -1; })()`, &top))
		if top < 0 {
			t.Errorf("on a 360×740 phone the %s's view of the other side's video is not fully above the fold", who.name)
		}
	}
}
