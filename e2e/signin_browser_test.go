package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
	"github.com/buergerbuero/buergerbuero/appliance/staff"
)

// TestOneTimePasswordBrowser: a clerk signs in with the one-time password
// an administrator printed, is led to the new-password form, sets her own
// and reaches the console; the one-time password then no longer works.
func TestOneTimePasswordBrowser(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true})
	const login, oneTime, mine = "ole", "einmal-passwort-1", "olés-eigenes-passwort"
	if err := srv.App.Staff.Save(context.Background(), staff.Clerk{Login: login, DisplayName: "Ole Hansen", Role: staff.RoleClerk, Offices: []string{"bauamt"}}, oneTime, true); err != nil {
		t.Fatal(err)
	}
	ole := newBrowser(t, srv.CertPEM)()
	step(t, ole, "sign in with the one-time password",
		chromedp.Navigate(srv.URL+"/staff/login"),
		chromedp.WaitVisible("#login", chromedp.ByID),
		chromedp.SendKeys("#login", login, chromedp.ByID),
		chromedp.SendKeys("#password", oneTime, chromedp.ByID),
		chromedp.Submit("#password", chromedp.ByID),
		chromedp.WaitVisible("#password-form", chromedp.ByID))
	var path string
	step(t, ole, "led to the new-password form", chromedp.Evaluate(`location.pathname`, &path))
	if path != "/staff/password" {
		t.Fatalf("after a one-time sign-in the browser is at %s", path)
	}
	// the console stays closed until the password is changed
	step(t, ole, "console refused", chromedp.Navigate(srv.URL+"/staff"), chromedp.WaitVisible("#password-form", chromedp.ByID))

	// a too short password is refused with a message, nothing is lost
	step(t, ole, "too short",
		chromedp.SendKeys("#current_password", oneTime, chromedp.ByID),
		chromedp.SetAttributeValue("#new_password", "minlength", "1", chromedp.ByID),
		chromedp.SetAttributeValue("#repeat_password", "minlength", "1", chromedp.ByID),
		chromedp.SendKeys("#new_password", "kurz-1234", chromedp.ByID),
		chromedp.SendKeys("#repeat_password", "kurz-1234", chromedp.ByID),
		chromedp.Submit("#new_password", chromedp.ByID),
		chromedp.WaitVisible("#password-form .error", chromedp.ByQuery))
	var msg string
	step(t, ole, "read the message", chromedp.Text("#password-form .error", &msg, chromedp.ByQuery))
	if !strings.Contains(msg, "mindestens 12") {
		t.Fatalf("short password message: %q", msg)
	}

	step(t, ole, "set a new password",
		chromedp.SendKeys("#current_password", oneTime, chromedp.ByID),
		chromedp.SendKeys("#new_password", mine, chromedp.ByID),
		chromedp.SendKeys("#repeat_password", mine, chromedp.ByID),
		chromedp.Submit("#new_password", chromedp.ByID),
		chromedp.WaitVisible("#offices section", chromedp.ByQuery))
	step(t, ole, "in the console", chromedp.Evaluate(`location.pathname`, &path))
	if path != "/staff" {
		t.Fatalf("after the change the browser is at %s", path)
	}

	c := newStaffUser(t, srv, "")
	if a := c.do("POST", "/api/v1/staff/login", map[string]string{"login": login, "password": oneTime}); a.status != 401 {
		t.Fatalf("one-time password still works: %d %s", a.status, a.body)
	}
	if a := c.do("POST", "/api/v1/staff/login", map[string]string{"login": login, "password": mine}); a.status != 200 {
		t.Fatalf("new password: %d %s", a.status, a.body)
	}
}
