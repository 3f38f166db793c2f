package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
	"github.com/buergerbuero/buergerbuero/appliance/config"
	"github.com/buergerbuero/buergerbuero/appliance/i18n"
	"github.com/buergerbuero/buergerbuero/appliance/oidcauth/oidctest"
	"github.com/buergerbuero/buergerbuero/appliance/staff"
)

// Staff sign-in through a real OpenID provider (scripts/tools/oidcop on
// zitadel/oidc, one process for this package) in a real browser.

const (
	groupBauamt = "/bauamt/sachbearbeitung"
	groupAdmins = "/buergerbuero/admins" // what the tampered token claims
)

// oidcAppliance starts an appliance that signs staff in at p with its own
// client and re-checks groups every recheck.
func oidcAppliance(t *testing.T, p *oidctest.Provider, recheck time.Duration) *apptest.Server {
	t.Helper()
	return oidcApplianceWith(t, p, recheck, apptest.Options{Quiet: true, NoMedia: true})
}

func oidcApplianceWith(t *testing.T, p *oidctest.Provider, recheck time.Duration, opts apptest.Options) *apptest.Server {
	t.Helper()
	clientID := "bb-" + strings.ToLower(staff.RandomToken(6))
	secret := staff.RandomToken(24)
	file := filepath.Join(t.TempDir(), "oidc.secret")
	if err := os.WriteFile(file, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	opts.Configure = func(c *config.Config) {
		c.Auth.OIDC = &config.OIDC{Issuer: p.Issuer, ClientID: clientID, ClientSecretFile: file, Recheck: config.Duration{Duration: recheck},
			Groups: []config.OIDCGroup{{Value: groupBauamt, Offices: []string{"bauamt"}}, {Value: groupAdmins, Role: "admin"}}}
	}
	srv := apptest.Start(t, opts)
	p.AddClient(t, oidctest.Client{ID: clientID, Secret: secret,
		Redirects: []string{srv.URL + config.OIDCCallbackPath}, PostLogout: []string{srv.URL + config.OIDCLogoutReturnPath}})
	return srv
}

// oidcUser adds a provider account with a login unique to the test.
func oidcUser(t *testing.T, p *oidctest.Provider, groups ...string) oidctest.User {
	t.Helper()
	id := "u" + strings.ToLower(staff.RandomToken(6))
	u := oidctest.User{ID: id, Username: "lena." + strings.Trim(strings.ToLower(id), "-_"), Password: "provider-pw-" + id, Name: "Lena Hoffmann", Groups: groups}
	p.AddUser(t, u)
	return u
}

// providerSignIn clicks the appliance's button and signs in on the
// provider's page.
func providerSignIn(t *testing.T, b context.Context, srv *apptest.Server, u oidctest.User) {
	t.Helper()
	step(t, b, "to the provider",
		chromedp.Navigate(srv.URL+"/staff/login"),
		chromedp.WaitVisible("#oidc-signin", chromedp.ByID),
		chromedp.Click("#oidc-signin", chromedp.ByID),
		chromedp.WaitVisible("#op-username", chromedp.ByID))
	step(t, b, "sign in at the provider",
		chromedp.SendKeys("#op-username", u.Username, chromedp.ByID),
		chromedp.SendKeys("#op-password", u.Password, chromedp.ByID),
		chromedp.Click("#op-submit", chromedp.ByID))
}

// meStatus is what the staff API says to the browser's cookies.
func meStatus(t *testing.T, b context.Context) int {
	t.Helper()
	var st int
	step(t, b, "GET /api/v1/staff/me", chromedp.Evaluate(`fetch('/api/v1/staff/me').then(r => r.status)`, &st,
		func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
	return st
}

// TestOIDCBrowserSignInGroupsLogoutRecheck: a clerk signs in at the
// provider, is provisioned from the claims (bauamt from her group, no local
// password) and sees the Bauamt's queue; logout ends the provider's session
// too (the next sign-in asks for the password again); removed from the
// group, she loses access after the re-check interval.
func TestOIDCBrowserSignInGroupsLogoutRecheck(t *testing.T) {
	p := oidctest.Shared(t)
	srv := oidcAppliance(t, p, 2*time.Second)
	u := oidcUser(t, p, groupBauamt)
	b := newBrowser(t, srv.CertPEM)()

	providerSignIn(t, b, srv, u)
	step(t, b, "the console with the Bauamt's queue", chromedp.WaitVisible(`#offices section[data-office="bauamt"]`, chromedp.ByQuery))
	var offices []string
	step(t, b, "queues shown", chromedp.Evaluate(`[...document.querySelectorAll('#offices section[data-office]')].map(s => s.dataset.office)`, &offices))
	if !slices.Equal(offices, []string{"bauamt"}) {
		t.Fatalf("the clerk of group %s sees the queues %v, want only bauamt", groupBauamt, offices)
	}
	c, err := srv.App.Staff.Clerk(context.Background(), u.Username)
	if err != nil || c.Role != staff.RoleClerk || !slices.Equal(c.Offices, []string{"bauamt"}) || c.DisplayName != "Lena Hoffmann" {
		t.Fatalf("provisioned clerk: %+v, %v", c, err)
	}
	if srv.App.Staff.Local(context.Background(), u.Username) {
		t.Fatal("a directory clerk got a local password")
	}
	if n := p.Sessions(t, u.ID); n != 1 {
		t.Fatalf("provider sessions after sign-in: %d", n)
	}

	// RP-initiated logout: back on the appliance's log-in page, and the
	// provider's session is gone, so signing in asks for the password again
	step(t, b, "log out",
		chromedp.Click(`form[action="/staff/logout"] button`, chromedp.ByQuery),
		chromedp.WaitVisible("#oidc-signin", chromedp.ByID))
	var path string
	step(t, b, "where", chromedp.Evaluate(`location.origin + location.pathname`, &path))
	if path != srv.URL+"/staff/login" {
		t.Fatalf("after logout the browser is at %s", path)
	}
	if n := p.Sessions(t, u.ID); n != 0 {
		t.Fatalf("the provider still has %d session(s) after logout", n)
	}
	if st := meStatus(t, b); st != 401 {
		t.Fatalf("staff API after logout: %d", st)
	}
	providerSignIn(t, b, srv, u) // waits for the provider's password form
	step(t, b, "signed in again", chromedp.WaitVisible(`#offices section[data-office="bauamt"]`, chromedp.ByQuery))

	// removed from the group at the provider: access ends at the first
	// request after the re-check interval
	p.SetGroups(t, u.ID)
	waitFor(t, 20*time.Second, "access ends after the re-check", func() bool { return meStatus(t, b) == 401 })
	step(t, b, "the console is closed", chromedp.Navigate(srv.URL+"/staff"), chromedp.WaitVisible("#oidc-signin", chromedp.ByID))
}

// TestOIDCBrowserNoMappedGroup: a sign-in whose groups map to nothing gets
// the "no access" page in the staff language, and no session.
func TestOIDCBrowserNoMappedGroup(t *testing.T) {
	p := oidctest.Shared(t)
	srv := oidcAppliance(t, p, time.Minute)
	u := oidcUser(t, p, "/kfz-zulassung")
	b := newBrowser(t, srv.CertPEM)()
	providerSignIn(t, b, srv, u)
	var msg string
	step(t, b, "no access", chromedp.WaitVisible("#oidc-noaccess", chromedp.ByID), chromedp.Text("main", &msg, chromedp.ByQuery))
	if !strings.Contains(msg, "Kein Zugang") || !strings.Contains(msg, "keinen Zugang zum Bürgerbüro") {
		t.Fatalf("no-access page says %q", msg)
	}
	if st := meStatus(t, b); st != 401 {
		t.Fatalf("staff API after a refused sign-in: %d", st)
	}
	if _, err := srv.App.Staff.Clerk(context.Background(), u.Username); err == nil {
		t.Fatal("a clerk without a mapped group was provisioned")
	}
}

// TestOIDCBrowserTamperedIDToken: an ID token whose claims were altered
// after signing (here: an extra admin group) is refused with a clear
// message; no session, no clerk.
func TestOIDCBrowserTamperedIDToken(t *testing.T) {
	p := oidctest.Shared(t)
	srv := oidcAppliance(t, p, time.Minute)
	u := oidcUser(t, p, groupBauamt)
	b := newBrowser(t, srv.CertPEM)()
	p.TamperNext(t)
	providerSignIn(t, b, srv, u)
	var msg string
	step(t, b, "refused", chromedp.WaitVisible("#login-error", chromedp.ByID), chromedp.Text("#login-error", &msg, chromedp.ByID))
	if !strings.Contains(msg, "nicht bestätigt") {
		t.Fatalf("tampered token message: %q", msg)
	}
	if st := meStatus(t, b); st != 401 {
		t.Fatalf("staff API after a tampered token: %d", st)
	}
	if _, err := srv.App.Staff.Clerk(context.Background(), u.Username); err == nil {
		t.Fatal("a tampered token provisioned a clerk")
	}
}

// TestOIDCPagesAccessible: the log-in page with both ways in and the "no
// access" page pass axe-core, in German and Arabic.
func TestOIDCPagesAccessible(t *testing.T) {
	src := axeScript(t)
	p := oidctest.Shared(t)
	srv := oidcAppliance(t, p, time.Minute)
	for _, lang := range []string{"de", "ar"} {
		b := newBrowser(t, srv.CertPEM)()
		setLangCookie(t, b, srv.URL, lang)
		step(t, b, "log-in page "+lang, chromedp.Navigate(srv.URL+"/staff/login"), chromedp.WaitVisible("#oidc-signin", chromedp.ByID))
		if v := runAxe(t, b, src); len(v) > 0 {
			t.Errorf("log-in page (%s): %+v", lang, v)
		}
		providerSignIn(t, b, srv, oidcUser(t, p, "/nirgendwo"))
		step(t, b, "no-access page "+lang, chromedp.WaitVisible("#oidc-noaccess", chromedp.ByID))
		if v := runAxe(t, b, src); len(v) > 0 {
			t.Errorf("no-access page (%s): %+v", lang, v)
		}
	}
}

// TestOIDCPagesPseudoLocale: the log-in page with the provider's button and
// the "no access" page take every text from the catalogue.
func TestOIDCPagesPseudoLocale(t *testing.T) {
	p := oidctest.Shared(t)
	srv := oidcApplianceWith(t, p, time.Minute, apptest.Options{Quiet: true, NoMedia: true, PseudoLocale: true})
	data := []string{srv.Config.Site.Name}
	// error messages are rendered in the reader's language, not the
	// pseudo-locale, on every page; they come from the catalogue too
	var msgs map[string]string
	buf, err := os.ReadFile("../appliance/i18n/locales/oidc.de.json")
	if err != nil || json.Unmarshal(buf, &msgs) != nil {
		t.Fatal(err)
	}
	for k, v := range msgs {
		if strings.HasPrefix(k, "error.") {
			data = append(data, strings.TrimRight(v, "."))
		}
	}
	for _, tag := range i18n.Citizen {
		data = append(data, i18n.SelfName(tag))
	}
	b := newBrowser(t, srv.CertPEM)()
	check := func(what string) {
		var html string
		step(t, b, "page of "+what, chromedp.OuterHTML("html", &html, chromedp.ByQuery))
		for _, s := range hardCoded(html, data) {
			t.Errorf("%s shows text that is not from the catalogue: %q", what, s)
		}
	}
	step(t, b, "log-in page", chromedp.Navigate(srv.URL+"/staff/login"), chromedp.WaitVisible("#oidc-signin", chromedp.ByID))
	check("the log-in page")
	providerSignIn(t, b, srv, oidcUser(t, p, "/nirgendwo"))
	step(t, b, "no access", chromedp.WaitVisible("#oidc-noaccess", chromedp.ByID))
	check("the no-access page")
}
