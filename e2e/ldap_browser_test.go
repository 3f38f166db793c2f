package e2e

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
	"github.com/buergerbuero/buergerbuero/appliance/ldapauth/ldaptest"
)

// formSignIn types a login and password into the staff log-in form.
func formSignIn(t *testing.T, b context.Context, srv *apptest.Server, login, pw string) {
	t.Helper()
	step(t, b, "sign in with the form",
		chromedp.Navigate(srv.URL+"/staff/login"),
		chromedp.WaitVisible("#login", chromedp.ByID),
		chromedp.SendKeys("#login", login, chromedp.ByID),
		chromedp.SendKeys("#password", pw, chromedp.ByID),
		chromedp.Submit("#password", chromedp.ByID))
}

// TestLDAPBrowserSignInAndDirectoryDown: a directory clerk signs in with
// the ordinary form and sees the Bauamt's queue (nested group); with the
// directory down, another sign-in reads "Verzeichnis nicht erreichbar"
// while the signed-in console keeps working.
func TestLDAPBrowserSignInAndDirectoryDown(t *testing.T) {
	dir := ldaptest.Start(t, ldaptest.Options{})
	srv := ldapAppliance(t, dir, time.Minute)
	uid, other := ldapUID(), ldapUID()
	dir.AddUser(t, uid, "pw-"+uid, "Lena Hoffmann", ldaptest.GroupBauamtTeam)
	dir.AddUser(t, other, "pw-"+other, "Jonas Weber", ldaptest.GroupBauamtTeam)
	browser := newBrowser(t, srv.CertPEM)
	b := browser()

	formSignIn(t, b, srv, uid, "pw-"+uid)
	step(t, b, "the console with the Bauamt's queue", chromedp.WaitVisible(`#offices section[data-office="bauamt"]`, chromedp.ByQuery))
	var offices []string
	step(t, b, "queues shown", chromedp.Evaluate(`[...document.querySelectorAll('#offices section[data-office]')].map(s => s.dataset.office)`, &offices))
	if !slices.Equal(offices, []string{"bauamt"}) {
		t.Fatalf("the directory clerk sees the queues %v, want only bauamt", offices)
	}

	dir.Stop()
	b2 := browser()
	formSignIn(t, b2, srv, other, "pw-"+other)
	var msg string
	step(t, b2, "the error on the log-in page", chromedp.WaitVisible(`p.error[role="alert"]`, chromedp.ByQuery),
		chromedp.Text(`p.error[role="alert"]`, &msg, chromedp.ByQuery))
	if !strings.Contains(msg, "Verzeichnis nicht erreichbar") {
		t.Fatalf("sign-in while the directory is down reads %q", msg)
	}
	if st := meStatus(t, b); st != 200 {
		t.Fatalf("the signed-in console while the directory is down: staff API %d", st)
	}
}
