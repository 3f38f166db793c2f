package e2e

import (
	"context"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
)

// TestAdminUsersBrowser: in a real browser an administrator adds a clerk
// (a wrong login first: the message stands next to the field and in the
// summary); the one-time password is shown once; the new clerk signs in
// with it, must set a new password and reaches the console. The addition
// is in the audit-log viewer filtered by its action, and the CSV export of
// that filter has the same rows as the page. The administration links
// the clerks; the console links the audit log for admins and leads, not
// for clerks. The clerks list, the clerk's
// page and the audit log have no axe-core violations in German and English.
func TestAdminUsersBrowser(t *testing.T) {
	src := axeScript(t)
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true})
	withAdmin(t, srv)
	open := newSharedBrowser(t, srv.CertPEM)
	b := open()
	axe := func(what, waitFor string) {
		t.Helper()
		for _, lang := range []string{"de", "en"} {
			setLangCookie(t, b, srv.URL, lang)
			step(t, b, what+" in "+lang, chromedp.Reload(), chromedp.WaitVisible(waitFor, chromedp.ByQuery))
			for _, x := range runAxe(t, b, src) {
				t.Errorf("%s %s: axe %s (%s): %s %v", what, lang, x.ID, x.Impact, x.Help, x.Nodes)
			}
		}
		setLangCookie(t, b, srv.URL, "de")
	}
	signIn := func(ctx context.Context, login, pw, waitFor string) {
		t.Helper()
		step(t, ctx, "sign in as "+login, chromedp.Navigate(srv.URL+"/staff/login"), chromedp.WaitVisible("#login", chromedp.ByID),
			chromedp.SendKeys("#login", login, chromedp.ByID), chromedp.SendKeys("#password", pw, chromedp.ByID),
			chromedp.Submit("#password", chromedp.ByID), chromedp.WaitVisible(waitFor, chromedp.ByQuery))
	}
	setLangCookie(t, b, srv.URL, "de")
	signIn(b, doraLogin, doraPassword, "#offices section")
	step(t, b, "the administration links the clerks", chromedp.Click("#admin-link", chromedp.ByID),
		chromedp.WaitVisible("#admin-clerks-link", chromedp.ByID), chromedp.Click("#admin-clerks-link", chromedp.ByID),
		chromedp.WaitVisible("#add-form", chromedp.ByID))
	axe("clerks", "#clerks")

	var msg, summary string
	step(t, b, "a wrong login", chromedp.SendKeys("#login", "Emil Neu", chromedp.ByID),
		chromedp.SendKeys("#display_name", "Emil Neumann", chromedp.ByID),
		chromedp.Click(`input[name=offices][value=bauamt]`, chromedp.ByQuery),
		chromedp.Submit("#login", chromedp.ByID), chromedp.WaitVisible("#login-error", chromedp.ByID),
		chromedp.Text("#login-error", &msg, chromedp.ByID), chromedp.Text("#error-summary", &summary, chromedp.ByID))
	if !strings.Contains(msg, "Kleinbuchstaben") || !strings.Contains(summary, msg) {
		t.Fatalf("field message %q, summary %q", msg, summary)
	}
	for _, x := range runAxe(t, b, src) { // the form with its errors
		t.Errorf("clerks with errors: axe %s (%s): %s %v", x.ID, x.Impact, x.Help, x.Nodes)
	}
	var kept string
	var officeKept bool
	step(t, b, "what was typed is kept", chromedp.Value("#display_name", &kept, chromedp.ByID),
		chromedp.Evaluate(`document.querySelector('input[name=offices][value=bauamt]').checked`, &officeKept))
	if kept != "Emil Neumann" || !officeKept {
		t.Fatalf("after the error: name %q, office checked %v", kept, officeKept)
	}
	var oneTime string
	step(t, b, "add the clerk", chromedp.SetValue("#login", "emil", chromedp.ByID), chromedp.Submit("#login", chromedp.ByID),
		chromedp.WaitVisible("#onetime-password", chromedp.ByID), chromedp.Text("#onetime-password", &oneTime, chromedp.ByID))
	if len(oneTime) < 12 {
		t.Fatalf("one-time password %q", oneTime)
	}
	var listed int
	step(t, b, "listed", chromedp.Evaluate(`document.querySelectorAll('#clerks tr[data-login=emil]').length`, &listed))
	if listed != 1 {
		t.Fatalf("emil listed %d times", listed)
	}
	step(t, b, "the clerk's page", chromedp.Navigate(srv.URL+"/staff/admin/clerks/emil"), chromedp.WaitVisible("#edit-form", chromedp.ByID))
	axe("clerk", "#edit-form")

	// the new clerk: the one-time password leads to the new-password form
	e := open()
	setLangCookie(t, e, srv.URL, "de")
	signIn(e, "emil", oneTime, "#password-form")
	mine := "emils-eigenes-passwort"
	step(t, e, "set a new password", chromedp.SendKeys("#current_password", oneTime, chromedp.ByID),
		chromedp.SendKeys("#new_password", mine, chromedp.ByID), chromedp.SendKeys("#repeat_password", mine, chromedp.ByID),
		chromedp.Submit("#new_password", chromedp.ByID), chromedp.WaitVisible("#offices section", chromedp.ByQuery))
	var linkHidden bool
	step(t, e, "no audit link for a clerk", chromedp.Evaluate(`document.getElementById('adminusers-link').hidden`, &linkHidden))
	if !linkHidden {
		t.Error("the console shows a clerk the link to the audit log")
	}
	lead := open()
	setLangCookie(t, lead, srv.URL, "de")
	signIn(lead, "carla", srv.Clerks[2].Password, "#offices section")
	step(t, lead, "a lead's console links the audit log", chromedp.Click("#adminusers-link", chromedp.ByID),
		chromedp.WaitVisible("#audit-filter", chromedp.ByID))

	// the audit log, filtered by the action
	step(t, b, "audit log", chromedp.Navigate(srv.URL+"/staff"), chromedp.Click("#adminusers-link", chromedp.ByID), chromedp.WaitVisible("#audit-filter", chromedp.ByID),
		chromedp.SendKeys("#action", "admin.clerk.create", chromedp.ByID), chromedp.Submit("#action", chromedp.ByID),
		// the unfiltered page has a table too: wait for the filtered one
		chromedp.WaitVisible(`#action[value="admin.clerk.create"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#audit-table", chromedp.ByID))
	var page [][]string
	step(t, b, "read the table", chromedp.Evaluate(`[...document.querySelectorAll('#audit-table tbody tr')].map(tr =>
		[tr.querySelector('time').getAttribute('datetime'), ...[...tr.querySelectorAll('td')].slice(1).map(td => td.textContent)])`, &page))
	if len(page) != 1 || page[0][1] != doraLogin || page[0][2] != "admin.clerk.create" || !strings.Contains(page[0][5], "login=emil") {
		t.Fatalf("audit page rows: %q", page)
	}
	if strings.Contains(strings.Join(page[0], " "), oneTime) {
		t.Fatal("the audit log holds the one-time password")
	}
	var body string
	step(t, b, "export", chromedp.Evaluate(`fetch(document.getElementById('audit-csv').href).then(r => r.text())`, &body,
		awaitPromise))
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("CSV %q: %v", body, err)
	}
	if len(rows) != len(page)+1 || strings.Join(rows[0], ",") != "at,actor,action,office_id,ticket_id,detail" {
		t.Fatalf("CSV rows %q, page rows %q", rows, page)
	}
	for i, r := range rows[1:] {
		if strings.Join(r, "|") != strings.Join(page[i], "|") {
			t.Errorf("CSV row %d %q, page row %q", i, r, page[i])
		}
	}
	axe("audit log", "#audit-table")
}
