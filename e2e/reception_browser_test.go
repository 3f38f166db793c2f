package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
)

// TestCitizenClerkJourney is the foundation's user journey in real
// Chromium: a citizen knocks and waits at place 1 with an estimate, a
// clerk sees the knock and admits, both chat in the room, the clerk
// forwards to another office, and a second clerk admits there.
func TestCitizenClerkJourney(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true})
	open := newBrowser(t, srv.CertPEM)
	citizen, anna, ben := open(), open(), open()

	// the citizen knocks
	step(t, citizen, "open knock form", chromedp.Navigate(srv.URL+"/offices/buergerbuero"), chromedp.WaitVisible("#concern", chromedp.ByID))
	step(t, citizen, "knock",
		chromedp.SendKeys("#concern", "Ich brauche einen neuen Personalausweis.", chromedp.ByID),
		chromedp.SendKeys("#name", "Müller <b>", chromedp.ByID),
		chromedp.Click("#knock button[type=submit]", chromedp.ByQuery),
		chromedp.WaitVisible("#number", chromedp.ByID))
	var place, number, estimate string
	step(t, citizen, "see place and estimate",
		chromedp.Poll(`document.getElementById('place').textContent === '1'`, nil),
		chromedp.Text("#number", &number, chromedp.ByID),
		chromedp.Text("#estimate", &estimate, chromedp.ByID),
		chromedp.Text("#place", &place, chromedp.ByID))
	if number != "B-001" || place != "1" || !strings.Contains(estimate, "Min") && !strings.Contains(estimate, "gleich") {
		t.Fatalf("waiting room shows number %q place %q estimate %q", number, place, estimate)
	}

	// a reload keeps the place (the ticket token lives in the tab's session)
	step(t, citizen, "reload waiting page", chromedp.Reload(), chromedp.WaitVisible("#place", chromedp.ByID),
		chromedp.Poll(`document.getElementById('place').textContent === '1' && document.getElementById('number').textContent === 'B-001'`, nil))

	// the clerk logs in and sees the knock
	login(t, anna, srv.URL, srv.Clerks[0].Login, srv.Clerks[0].Password)
	var concern, name string
	step(t, anna, "see knock",
		chromedp.WaitVisible(`li.ticket[data-number="B-001"]`, chromedp.ByQuery),
		chromedp.Text(`li.ticket[data-number="B-001"] .concern`, &concern, chromedp.ByQuery),
		chromedp.Text(`li.ticket[data-number="B-001"] .name`, &name, chromedp.ByQuery))
	if concern != "Ich brauche einen neuen Personalausweis." || name != "Müller <b>" {
		t.Fatalf("queue shows concern %q name %q (typed text must appear as text)", concern, name)
	}
	// the queue updates in place: another knock arriving does not take the
	// keyboard focus from the row the clerk is about to act on
	step(t, anna, "focus the admit button", focus(`li.ticket[data-number="B-001"] button[data-action=admit]`))
	newClient(t, srv).knock("buergerbuero", "Noch ein Anliegen")
	step(t, anna, "second knock appears, focus stays",
		chromedp.WaitVisible(`li.ticket[data-number="B-002"]`, chromedp.ByQuery),
		chromedp.Poll(`!!document.activeElement && document.activeElement.matches('li.ticket[data-number="B-001"] button[data-action=admit]')`, nil))
	step(t, anna, "admit", chromedp.Click(`li.ticket[data-number="B-001"] button[data-action=admit]`, chromedp.ByQuery),
		chromedp.WaitVisible("#chat-text", chromedp.ByID))

	// both are in the room: the citizen's page followed the call
	step(t, citizen, "citizen enters room", chromedp.WaitVisible("#chat-text", chromedp.ByID),
		chromedp.Poll(`location.pathname.startsWith('/room/')`, nil))
	say(t, anna, "Guten Tag, wie kann ich helfen?")
	see(t, citizen, "Guten Tag, wie kann ich helfen?")
	say(t, citizen, "Mein Ausweis läuft ab.")
	see(t, anna, "Mein Ausweis läuft ab.")

	// forward to the Bauamt with a note
	step(t, anna, "open forward dialog", chromedp.Click(`#actions button[data-action=forward]`, chromedp.ByQuery),
		chromedp.WaitVisible("#forward-target", chromedp.ByID))
	step(t, anna, "forward",
		chromedp.SetValue("#forward-target", "office:bauamt", chromedp.ByID),
		chromedp.SendKeys("#forward-note", "Bitte Bauantrag prüfen", chromedp.ByID),
		chromedp.Click("#forward-ok", chromedp.ByID))
	step(t, anna, "back in console", chromedp.WaitVisible("#offices section", chromedp.ByQuery))
	step(t, citizen, "citizen back in waiting room", chromedp.WaitVisible("#place", chromedp.ByID),
		chromedp.Poll(`document.getElementById('state').textContent.includes('Bauamt')`, nil),
		chromedp.Poll(`document.getElementById('place').textContent === '1'`, nil))

	// a second clerk admits in the Bauamt
	login(t, ben, srv.URL, srv.Clerks[1].Login, srv.Clerks[1].Password)
	var note string
	step(t, ben, "see forwarded ticket",
		chromedp.WaitVisible(`section[data-office=bauamt] li.ticket[data-number="B-001"]`, chromedp.ByQuery),
		chromedp.Text(`section[data-office=bauamt] li.ticket[data-number="B-001"] .note`, &note, chromedp.ByQuery))
	if !strings.Contains(note, "Bitte Bauantrag prüfen") {
		t.Fatalf("forward note not shown: %q", note)
	}
	step(t, ben, "admit forwarded", chromedp.Click(`section[data-office=bauamt] li.ticket[data-number="B-001"] button[data-action=admit]`, chromedp.ByQuery),
		chromedp.WaitVisible("#chat-text", chromedp.ByID))
	step(t, citizen, "citizen enters second room", chromedp.WaitVisible("#chat-text", chromedp.ByID))
	say(t, ben, "Hier ist das Bauamt.")
	see(t, citizen, "Hier ist das Bauamt.")
}

func login(t *testing.T, ctx contextT, base, user, pw string) {
	t.Helper()
	step(t, ctx, "login "+user,
		chromedp.Navigate(base+"/staff/login"),
		chromedp.WaitVisible("#login", chromedp.ByID),
		chromedp.SendKeys("#login", user, chromedp.ByID),
		chromedp.SendKeys("#password", pw, chromedp.ByID),
		chromedp.Submit("#password", chromedp.ByID))
	var errText string
	step(t, ctx, "after login "+user, chromedp.WaitReady("body > main", chromedp.ByQuery),
		chromedp.Evaluate(`(document.querySelector('main .error') || {}).textContent || ''`, &errText))
	if errText != "" {
		t.Fatalf("login %s refused: %s", user, errText)
	}
	step(t, ctx, "console of "+user, chromedp.WaitVisible("#offices section", chromedp.ByQuery))
}

// say types text into the chat and sends it with the send button, from
// the keyboard: focus() instead of DevTools node ids, which a page that
// has just been navigated to (a join link's redirect into the room) can
// still invalidate.
func say(t *testing.T, ctx contextT, text string) {
	t.Helper()
	step(t, ctx, "send "+text, focus("#chat-text"), chromedp.KeyEvent(text), focus("#chat-form button[type=submit]"), chromedp.KeyEvent(kb.Enter))
}

func see(t *testing.T, ctx contextT, text string) {
	t.Helper()
	step(t, ctx, "see "+text, chromedp.Poll(`[...document.querySelectorAll('#messages .text')].some(e => e.textContent === `+jsString(text)+`)`, nil))
}
