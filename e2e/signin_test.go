package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
	"github.com/buergerbuero/buergerbuero/appliance/config"
	"github.com/buergerbuero/buergerbuero/appliance/staff"
)

// staffUser is a browser-like staff client at one client address, given
// to the appliance by a trusted proxy (X-Forwarded-For).
type staffUser struct {
	t     *testing.T
	srv   *apptest.Server
	http  *http.Client
	addr  string
	csrf  string
	token string // service token instead of a session
	actAs string
}

func newStaffUser(t *testing.T, srv *apptest.Server, addr string) *staffUser {
	c := srv.Client()
	c.Jar, _ = cookiejar.New(nil)
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &staffUser{t: t, srv: srv, http: c, addr: addr}
}

type staffAnswer struct {
	status int
	header http.Header
	body   string
	code   string // error code of a JSON error
	msg    string // its message (German: no Accept-Language)
}

func (u *staffUser) do(method, path string, body any) staffAnswer {
	u.t.Helper()
	req, err := apptest.NewJSONRequest(u.srv.URL, method, path, apptest.Caller{CSRF: u.csrf, Token: u.token, ActAs: u.actAs, ForwardedFor: u.addr}, body)
	if err != nil {
		u.t.Fatal(err)
	}
	res, err := u.http.Do(req)
	if err != nil {
		u.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	a := staffAnswer{status: res.StatusCode, header: res.Header, body: string(b)}
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(b, &e) == nil {
		a.code, a.msg = e.Error.Code, e.Error.Message
	}
	return a
}

// login signs in over the API and keeps the CSRF token.
func (u *staffUser) login(login, pw string) staffAnswer {
	u.t.Helper()
	a := u.do("POST", "/api/v1/staff/login", map[string]string{"login": login, "password": pw})
	var me struct {
		CSRF string `json:"csrf_token"`
	}
	if a.status == 200 && json.Unmarshal([]byte(a.body), &me) == nil {
		u.csrf = me.CSRF
	}
	return a
}

func behindProxy(more func(*config.Config)) apptest.Options {
	return apptest.Options{Quiet: true, NoMedia: true, Configure: func(c *config.Config) {
		c.HTTP.TrustedProxies = []string{"127.0.0.0/8"}
		if more != nil {
			more(c)
		}
	}}
}

// TestWrongPasswordsDoNotLockOut: five wrong passwords from one address
// throttle that address (429, Retry-After, a clear message) but do not
// lock the clerk out: she signs in from another address at once.
func TestWrongPasswordsDoNotLockOut(t *testing.T) {
	srv := apptest.Start(t, behindProxy(func(c *config.Config) { c.Auth.FirstDelay.Duration = time.Minute }))
	anna := srv.Clerks[0]
	attacker := newStaffUser(t, srv, "203.0.113.7")
	for i := 0; i < srv.Config.Auth.AddressAttempts; i++ {
		if a := attacker.login(anna.Login, "falsch-geraten-"+strconv.Itoa(i)); a.status != 401 || a.code != "login_failed" {
			t.Fatalf("wrong password %d: %d %s", i+1, a.status, a.body)
		}
	}
	a := attacker.login(anna.Login, anna.Password)
	if a.status != 429 || a.code != "login_throttled" {
		t.Fatalf("attempt after %d failures: %d %s, want 429 login_throttled", srv.Config.Auth.AddressAttempts, a.status, a.body)
	}
	ra, _ := strconv.Atoi(a.header.Get("Retry-After"))
	if ra < 1 || ra > 60 {
		t.Fatalf("Retry-After %q, want 1..60 seconds", a.header.Get("Retry-After"))
	}
	if !strings.Contains(a.msg, "warten Sie "+strconv.Itoa(ra)+" Sekunde") {
		t.Fatalf("throttle message does not say how long to wait (%d s): %s", ra, a.body)
	}
	clerk := newStaffUser(t, srv, "10.1.2.3")
	if a := clerk.login(anna.Login, anna.Password); a.status != 200 {
		t.Fatalf("clerk locked out from another address: %d %s", a.status, a.body)
	}
	if a := clerk.do("GET", "/api/v1/staff/offices", nil); a.status != 200 {
		t.Fatalf("clerk's session: %d %s", a.status, a.body)
	}
	// the sign-in page says the same, with the status and header
	res := postForm(t, srv, "203.0.113.7", "/staff/login", "login="+anna.Login+"&password="+anna.Password)
	if res.status != 429 || res.header.Get("Retry-After") == "" || !strings.Contains(res.body, "warten Sie") {
		t.Fatalf("sign-in form while throttled: %d %q %s", res.status, res.header.Get("Retry-After"), res.body)
	}
}

func postForm(t *testing.T, srv *apptest.Server, addr, path, form string) staffAnswer {
	t.Helper()
	req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", srv.URL)
	req.Header.Set("X-Forwarded-For", addr)
	c := srv.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return staffAnswer{status: res.StatusCode, header: res.Header, body: string(b)}
}

// TestIdleSessionEnds: a staff session unused for longer than
// auth.session_idle is refused; use keeps it alive.
func TestIdleSessionEnds(t *testing.T) {
	srv := apptest.Start(t, behindProxy(nil))
	var offset atomic.Int64
	srv.App.Staff.SetClock(func() time.Time { return time.Now().Add(time.Duration(offset.Load())) })
	idle := srv.Config.Auth.SessionIdle.Duration
	u := newStaffUser(t, srv, "10.1.2.3")
	if a := u.login(srv.Clerks[0].Login, srv.Clerks[0].Password); a.status != 200 {
		t.Fatalf("login: %d %s", a.status, a.body)
	}
	for i := 0; i < 3; i++ { // in use for 1.5 × idle
		offset.Add(int64(idle / 2))
		if a := u.do("GET", "/api/v1/staff/me", nil); a.status != 200 {
			t.Fatalf("session in use refused after %v: %d %s", time.Duration(offset.Load()), a.status, a.body)
		}
	}
	offset.Add(int64(idle + time.Minute))
	if a := u.do("GET", "/api/v1/staff/me", nil); a.status != 401 {
		t.Fatalf("idle session still accepted: %d %s", a.status, a.body)
	}
	if res := u.page("/staff"); res.status != 303 || res.header.Get("Location") != "/staff/login" {
		t.Fatalf("console after idle: %d %s", res.status, res.header.Get("Location"))
	}
}

func (u *staffUser) page(path string) staffAnswer {
	u.t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), "GET", u.srv.URL+path, nil)
	req.Header.Set("X-Forwarded-For", u.addr)
	res, err := u.http.Do(req)
	if err != nil {
		u.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return staffAnswer{status: res.StatusCode, header: res.Header, body: string(b)}
}

// TestStaffNetworks: with http.staff_networks set, the staff area (pages,
// API by session and by service token) answers 403 outside those networks
// and works inside; the citizens' pages are not affected.
func TestStaffNetworks(t *testing.T) {
	srv := apptest.Start(t, behindProxy(func(c *config.Config) { c.HTTP.StaffNetworks = []string{"10.0.0.0/8", "fd00::/8"} }))
	anna := srv.Clerks[0]
	inside, outside := newStaffUser(t, srv, "10.1.2.3"), newStaffUser(t, srv, "203.0.113.7")

	if res := outside.page("/staff/login"); res.status != 403 || !strings.Contains(res.body, "Netz der Verwaltung") {
		t.Fatalf("sign-in page from outside: %d", res.status)
	}
	if res := outside.page("/"); res.status != 200 {
		t.Fatalf("citizen page from outside: %d", res.status)
	}
	if a := outside.login(anna.Login, anna.Password); a.status != 403 || a.code != "staff_network" {
		t.Fatalf("API login from outside: %d %s", a.status, a.body)
	}
	if a := outside.do("GET", "/api/v1/staff/offices", nil); a.status != 403 || a.code != "staff_network" {
		t.Fatalf("staff API without credentials from outside: %d %s", a.status, a.body)
	}
	if res := inside.page("/staff/login"); res.status != 200 {
		t.Fatalf("sign-in page from inside: %d", res.status)
	}
	if a := inside.login(anna.Login, anna.Password); a.status != 200 {
		t.Fatalf("login from inside: %d %s", a.status, a.body)
	}
	if a := inside.do("GET", "/api/v1/staff/offices", nil); a.status != 200 {
		t.Fatalf("staff API from inside: %d %s", a.status, a.body)
	}
	// the same session cookie carried outside (a laptop leaving the VPN)
	inside.addr = "198.51.100.4"
	if a := inside.do("GET", "/api/v1/staff/offices", nil); a.status != 403 || a.code != "staff_network" {
		t.Fatalf("session from outside: %d %s", a.status, a.body)
	}
	if res := inside.page("/staff"); res.status != 403 {
		t.Fatalf("console from outside: %d", res.status)
	}
	// the Matrix bridge's service token is bound to the same networks
	bridge := newStaffUser(t, srv, "fd00::5")
	bridge.token = srv.ServiceToken
	if a := bridge.do("GET", "/api/v1/staff/offices", nil); a.status != 200 {
		t.Fatalf("service token from inside: %d %s", a.status, a.body)
	}
	bridge.addr = "2001:db8::5"
	if a := bridge.do("GET", "/api/v1/staff/offices", nil); a.status != 403 || a.code != "staff_network" {
		t.Fatalf("service token from outside: %d %s", a.status, a.body)
	}
}

// TestOneTimePasswordAPI: a clerk with a one-time password signs in into a
// session that can only set a new password (or log out); the console and
// every other staff call refuse it with password_change_required. The
// Matrix bridge acting for the clerk is not affected.
func TestOneTimePasswordAPI(t *testing.T) {
	srv := apptest.Start(t, behindProxy(nil))
	const login, oneTime, mine = "ole", "einmal-passwort-1", "olés-eigenes-passwort"
	if err := srv.App.Staff.Save(context.Background(), staff.Clerk{Login: login, DisplayName: "Ole", Role: staff.RoleClerk, Offices: []string{"bauamt"}}, oneTime, true); err != nil {
		t.Fatal(err)
	}
	u := newStaffUser(t, srv, "10.1.2.3")
	a := u.login(login, oneTime)
	if a.status != 200 || !strings.Contains(a.body, `"must_change_password":true`) {
		t.Fatalf("one-time login: %d %s", a.status, a.body)
	}
	for _, p := range []string{"/api/v1/staff/offices", "/api/v1/staff/me", "/api/v1/staff/clerks", "/api/v1/staff/events"} {
		if a := u.do("GET", p, nil); a.status != 403 || a.code != "password_change_required" {
			t.Fatalf("GET %s with a one-time session: %d %s", p, a.status, a.body)
		}
	}
	if a := u.do("PUT", "/api/v1/staff/me/presence", map[string]string{"presence": "available"}); a.status != 403 || a.code != "password_change_required" {
		t.Fatalf("presence with a one-time session: %d %s", a.status, a.body)
	}
	if res := u.page("/staff"); res.status != 303 || res.header.Get("Location") != "/staff/password" {
		t.Fatalf("console with a one-time session: %d %q", res.status, res.header.Get("Location"))
	}
	bridge := newStaffUser(t, srv, "10.9.9.9")
	bridge.token, bridge.actAs = srv.ServiceToken, login
	if a := bridge.do("PUT", "/api/v1/staff/me/presence", map[string]string{"presence": "available"}); a.status != 200 {
		t.Fatalf("bridge acting for the clerk: %d %s", a.status, a.body)
	}
	for _, c := range []struct {
		body  map[string]string
		field string
	}{
		{map[string]string{"current_password": "falsch-falsch", "new_password": mine}, "current_password"},
		{map[string]string{"current_password": oneTime, "new_password": "kurz-123"}, "new_password"},
		{map[string]string{"current_password": oneTime, "new_password": oneTime}, "new_password"},
	} {
		if a := u.do("POST", "/api/v1/staff/me/password", c.body); a.status != 422 || !strings.Contains(a.body, `"field":"`+c.field+`"`) {
			t.Fatalf("change %v: %d %s", c.body, a.status, a.body)
		}
	}
	if a := u.do("POST", "/api/v1/staff/me/password", map[string]string{"current_password": oneTime, "new_password": mine}); a.status != 204 {
		t.Fatalf("change: %d %s", a.status, a.body)
	}
	if a := u.do("GET", "/api/v1/staff/offices", nil); a.status != 200 {
		t.Fatalf("session after the change: %d %s", a.status, a.body)
	}
	if a := newStaffUser(t, srv, "10.1.2.4").login(login, oneTime); a.status != 401 {
		t.Fatalf("one-time password after the change: %d %s", a.status, a.body)
	}
	if a := newStaffUser(t, srv, "10.1.2.4").login(login, mine); a.status != 200 || strings.Contains(a.body, "must_change") {
		t.Fatalf("own password: %d %s", a.status, a.body)
	}
}
