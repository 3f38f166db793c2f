package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
)

// TestInterpreterJoinsWithSingleUseLink: the clerk creates an interpreter
// link in the room, an interpreter opens it on another device and chats in
// this one consultation; the same link does not work a second time, and
// the interpreter cannot see the queue.
func TestInterpreterJoinsWithSingleUseLink(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true})
	open := newBrowser(t, srv.CertPEM)
	clerk, interpreter, stranger := open(), open(), open()
	c := newClient(t, srv)
	c.knock("auslaenderbehoerde", "Aufenthaltstitel, ich spreche Arabisch")
	login(t, clerk, srv.URL, "ben", srv.Clerks[1].Password)
	step(t, clerk, "admit", chromedp.Click(`li.ticket[data-number="AB-001"] button[data-action=admit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#actions button[data-action=invite]`, chromedp.ByQuery))
	var link string
	step(t, clerk, "create interpreter link", chromedp.Click(`#actions button[data-action=invite]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#invite-form`, chromedp.ByID), chromedp.Click(`#invite-form button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#actions .invite code`, chromedp.ByQuery), chromedp.Text(`#actions .invite code`, &link, chromedp.ByQuery))
	if !strings.HasPrefix(link, srv.URL+"/join#") {
		t.Fatalf("invite link %q", link)
	}
	step(t, interpreter, "open link", chromedp.Navigate(link), chromedp.WaitVisible("#join", chromedp.ByID))
	step(t, interpreter, "join", chromedp.Click("#join", chromedp.ByID))
	step(t, interpreter, "in the room", chromedp.WaitVisible("#chat-text", chromedp.ByID))
	say(t, interpreter, "مرحبا، أنا المترجم")
	see(t, clerk, "مرحبا، أنا المترجم")
	say(t, clerk, "Danke, wir beginnen.")
	see(t, interpreter, "Danke, wir beginnen.")

	// the link was single-use
	var errText string
	step(t, stranger, "reuse link", chromedp.Navigate(link), chromedp.WaitVisible("#join", chromedp.ByID), chromedp.Click("#join", chromedp.ByID),
		chromedp.WaitVisible("#error", chromedp.ByID), chromedp.Text("#error", &errText, chromedp.ByID))
	if !strings.Contains(errText, "abgelaufen oder wurde bereits benutzt") && !strings.Contains(errText, "already used") {
		t.Fatalf("second use: %q", errText)
	}
	// the interpreter has no staff rights
	var status int
	step(t, interpreter, "no queue for interpreters", chromedp.Evaluate(`fetch('/api/v1/staff/offices').then(r => r.status)`, &status, func(p *runtimeEvaluate) *runtimeEvaluate { return p.WithAwaitPromise(true) }))
	if status != 401 {
		t.Fatalf("interpreter reading the queue: %d", status)
	}
}
