package e2e

import (
	"context"
	"database/sql"
	"html"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
	"github.com/buergerbuero/buergerbuero/appliance/cli"
	"github.com/buergerbuero/buergerbuero/appliance/config"
	"github.com/buergerbuero/buergerbuero/appliance/staff"
)

// form posts a form as the browser's sign-in and enrolment pages do.
func (u *staffUser) form(path string, v url.Values) staffAnswer {
	u.t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), "POST", u.srv.URL+path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", u.srv.URL)
	req.Header.Set("X-Forwarded-For", u.addr)
	res, err := u.http.Do(req)
	if err != nil {
		u.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return staffAnswer{status: res.StatusCode, header: res.Header, body: string(b)}
}

var (
	pendingRE = regexp.MustCompile(`name="pending" value="([^"]+)"`)
	csrfRE    = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
	secretRE  = regexp.MustCompile(`id="totp-secret">([A-Z2-7]+)<`)
)

func match(t *testing.T, re *regexp.Regexp, body, what string) string {
	t.Helper()
	m := re.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no %s in %s", what, body)
	}
	return html.UnescapeString(m[1])
}

func code(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// passwordStep signs in with the form and returns the answer.
func (u *staffUser) passwordStep(login, pw string) staffAnswer {
	return u.form("/staff/login", url.Values{"login": {login}, "password": {pw}})
}

// enrolTOTP enrols the signed-in clerk at /staff/totp: the key as text and
// as a QR code from our origin, confirmed with a current code.
func enrolTOTP(t *testing.T, u *staffUser) string {
	t.Helper()
	p := u.page("/staff/totp")
	if p.status != 200 {
		t.Fatalf("enrolment page: %d %s", p.status, p.body)
	}
	secret, csrf := match(t, secretRE, p.body, "secret"), match(t, csrfRE, p.body, "csrf token")
	if !strings.Contains(p.body, `src="/staff/totp/qr.png"`) {
		t.Fatalf("no QR code on the enrolment page")
	}
	if q := u.page("/staff/totp/qr.png"); q.status != 200 || q.header.Get("Content-Type") != "image/png" || !strings.HasPrefix(q.body, "\x89PNG") {
		t.Fatalf("QR code: %d %s", q.status, q.header.Get("Content-Type"))
	}
	if a := u.form("/staff/totp", url.Values{"csrf_token": {csrf}, "code": {"123456"}}); a.status != 401 || !strings.Contains(a.body, "falsch") {
		t.Fatalf("enrolment with a wrong code: %d", a.status)
	}
	if a := u.form("/staff/totp", url.Values{"csrf_token": {csrf}, "code": {code(t, secret, time.Now())}}); a.status != 303 || a.header.Get("Location") != "/staff" {
		t.Fatalf("enrolment: %d %s", a.status, a.body)
	}
	if p := u.page("/staff/totp"); !strings.Contains(p.body, `id="totp-enrolled"`) {
		t.Fatalf("after enrolment the page does not say so: %s", p.body)
	}
	return secret
}

// TestTOTPLoginAndReplay: a local clerk enrols; from then on the password
// alone opens no session but the code form; a current code signs her in;
// the same code (its step) again and an older one are refused; wrong codes
// are throttled like passwords; the API log-in refuses with totp_required.
func TestTOTPLoginAndReplay(t *testing.T) {
	srv := apptest.Start(t, behindProxy(func(c *config.Config) { c.Auth.FirstDelay.Duration = time.Minute }))
	anna := srv.Clerks[0]
	u := newStaffUser(t, srv, "10.1.2.3")
	if a := u.passwordStep(anna.Login, anna.Password); a.status != 303 || a.header.Get("Location") != "/staff" {
		t.Fatalf("password sign-in before enrolment: %d %s", a.status, a.header.Get("Location"))
	}
	secret := enrolTOTP(t, u)

	v := newStaffUser(t, srv, "10.1.2.4")
	a := v.passwordStep(anna.Login, anna.Password)
	if a.status != 200 || !strings.Contains(a.body, `id="totp-form"`) {
		t.Fatalf("password of an enrolled clerk: %d %s", a.status, a.body)
	}
	if res := v.page("/staff"); res.status != 303 || res.header.Get("Location") != "/staff/login" {
		t.Fatalf("the password alone opened a session: %d %s", res.status, res.header.Get("Location"))
	}
	pending := match(t, pendingRE, a.body, "pending step")
	// the next step's code: the enrolment used the current one
	c := code(t, secret, time.Now().Add(30*time.Second))
	if a := v.form("/staff/login/totp", url.Values{"pending": {pending}, "code": {c}}); a.status != 303 || a.header.Get("Location") != "/staff" {
		t.Fatalf("TOTP sign-in: %d %s", a.status, a.body)
	}
	if res := v.page("/staff"); res.status != 200 {
		t.Fatalf("console after TOTP sign-in: %d", res.status)
	}
	if a := v.form("/staff/login/totp", url.Values{"pending": {pending}, "code": {c}}); a.status != 401 || !strings.Contains(a.body, "abgelaufen") {
		t.Fatalf("the pending step was used twice: %d %s", a.status, a.body)
	}

	w := newStaffUser(t, srv, "10.1.2.5")
	pending = match(t, pendingRE, w.passwordStep(anna.Login, anna.Password).body, "pending step")
	for _, old := range []string{c, code(t, secret, time.Now().Add(-30*time.Second))} {
		if a := w.form("/staff/login/totp", url.Values{"pending": {pending}, "code": {old}}); a.status != 401 || !strings.Contains(a.body, "schon verwendet") {
			t.Fatalf("replayed code %s: %d %s", old, a.status, a.body)
		}
	}
	if res := w.page("/staff"); res.status != 303 {
		t.Fatalf("a replayed code opened a session: %d", res.status)
	}

	x := newStaffUser(t, srv, "10.1.2.6")
	pending = match(t, pendingRE, x.passwordStep(anna.Login, anna.Password).body, "pending step")
	for i := 0; i < srv.Config.Auth.AddressAttempts; i++ {
		if a := x.form("/staff/login/totp", url.Values{"pending": {pending}, "code": {"00000" + string(rune('0'+i))}}); a.status != 401 {
			t.Fatalf("wrong code %d: %d %s", i, a.status, a.body)
		}
	}
	good := code(t, secret, time.Now().Add(60*time.Second))
	a = x.form("/staff/login/totp", url.Values{"pending": {pending}, "code": {good}})
	if a.status != 429 || a.header.Get("Retry-After") == "" {
		t.Fatalf("code after %d wrong ones: %d %s", srv.Config.Auth.AddressAttempts, a.status, a.body)
	}
	if res := x.page("/staff"); res.status != 303 {
		t.Fatalf("a throttled code opened a session: %d", res.status)
	}

	api := newStaffUser(t, srv, "10.1.2.7")
	if a := api.login(anna.Login, anna.Password); a.status != 401 || a.code != "totp_required" {
		t.Fatalf("API log-in of an enrolled clerk: %d %s", a.status, a.body)
	}
}

// TestTOTPRequiredRoleForcesEnrolment: with auth.totp.required_roles:
// [lead], a lead without TOTP is sent to enrolment right after the
// password and can do nothing else until done; a one-time password is
// replaced first; a clerk is not affected.
func TestTOTPRequiredRoleForcesEnrolment(t *testing.T) {
	srv := apptest.Start(t, behindProxy(func(c *config.Config) { c.Auth.TOTP.RequiredRoles = []string{"lead"} }))
	anna, carla := srv.Clerks[0], srv.Clerks[2]
	if a := newStaffUser(t, srv, "10.1.2.3").passwordStep(anna.Login, anna.Password); a.header.Get("Location") != "/staff" {
		t.Fatalf("a clerk was sent to %q", a.header.Get("Location"))
	}
	u := newStaffUser(t, srv, "10.1.2.4")
	if a := u.passwordStep(carla.Login, carla.Password); a.status != 303 || a.header.Get("Location") != "/staff/totp" {
		t.Fatalf("lead after the password: %d %q", a.status, a.header.Get("Location"))
	}
	if res := u.page("/staff"); res.status != 303 || res.header.Get("Location") != "/staff/totp" {
		t.Fatalf("console before enrolment: %d %q", res.status, res.header.Get("Location"))
	}
	if a := u.do("GET", "/api/v1/staff/offices", nil); a.status != 403 || a.code != "totp_enrol_required" {
		t.Fatalf("API before enrolment: %d %s", a.status, a.body)
	}
	if p := u.page("/staff/totp"); !strings.Contains(p.body, `id="totp-forced"`) {
		t.Fatalf("the enrolment page does not say it is required")
	}
	enrolTOTP(t, u)
	if res := u.page("/staff"); res.status != 200 {
		t.Fatalf("console after enrolment: %d %q", res.status, res.header.Get("Location"))
	}

	// a new lead with a one-time password: new password first, then TOTP
	const login, oneTime, mine = "lea", "einmal-passwort-1", "leas-eigenes-passwort"
	if err := srv.App.Staff.Save(context.Background(), staff.Clerk{Login: login, DisplayName: "Lea", Role: staff.RoleLead, Offices: []string{"bauamt"}}, oneTime, true); err != nil {
		t.Fatal(err)
	}
	l := newStaffUser(t, srv, "10.1.2.5")
	if a := l.passwordStep(login, oneTime); a.header.Get("Location") != "/staff/password" {
		t.Fatalf("one-time password of a lead: %q", a.header.Get("Location"))
	}
	if res := l.page("/staff/totp"); res.header.Get("Location") != "/staff/password" {
		t.Fatalf("enrolment before the new password: %d %q", res.status, res.header.Get("Location"))
	}
	csrf := match(t, csrfRE, l.page("/staff/password").body, "csrf token")
	if a := l.form("/staff/password", url.Values{"csrf_token": {csrf}, "current_password": {oneTime}, "new_password": {mine}, "repeat_password": {mine}}); a.status != 303 {
		t.Fatalf("new password: %d %s", a.status, a.body)
	}
	if res := l.page("/staff"); res.header.Get("Location") != "/staff/totp" {
		t.Fatalf("console after the new password: %d %q", res.status, res.header.Get("Location"))
	}
}

// TestTOTPResetByCLI: `buergerbuero admin clerk reset-totp` removes a
// clerk's second factor and ends her sessions; she then signs in with the
// password alone.
func TestTOTPResetByCLI(t *testing.T) {
	srv := apptest.Start(t, behindProxy(nil))
	anna := srv.Clerks[0]
	u := newStaffUser(t, srv, "10.1.2.3")
	u.passwordStep(anna.Login, anna.Password)
	enrolTOTP(t, u)
	var out strings.Builder
	if rc := cli.Main(context.Background(), []string{"admin", "--data", srv.Config.Store.DataDir, "clerk", "reset-totp", "--login", anna.Login}, &out, &out); rc != 0 {
		t.Fatalf("reset-totp: %d %s", rc, out.String())
	}
	if res := u.page("/staff"); res.status != 303 || res.header.Get("Location") != "/staff/login" {
		t.Fatalf("session after the reset: %d %q", res.status, res.header.Get("Location"))
	}
	if a := newStaffUser(t, srv, "10.1.2.4").passwordStep(anna.Login, anna.Password); a.status != 303 || a.header.Get("Location") != "/staff" {
		t.Fatalf("sign-in after the reset: %d %s", a.status, a.body)
	}
	if rc := cli.Main(context.Background(), []string{"admin", "--data", srv.Config.Store.DataDir, "clerk", "reset-totp", "--login", "niemand"}, &out, &out); rc == 0 {
		t.Fatal("reset of an unknown clerk succeeded")
	}
	// the audit log has both events, and no secret
	raw, err := sql.Open("sqlite3", "file:"+filepath.Join(srv.Config.Store.DataDir, "buergerbuero.db")+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	rows, err := raw.Query(`SELECT actor, action, detail FROM audit WHERE action LIKE 'totp%' ORDER BY at`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var actor, action, detail string
		rows.Scan(&actor, &action, &detail)
		got = append(got, actor+" "+action+" "+detail)
	}
	if want := []string{"anna totp_enrolled ", "admin totp_reset anna"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("audit: %q, want %q", got, want)
	}
}
