// Package apptest starts a real appliance for tests: SQLite in a temporary
// directory, HTTPS with a self-signed certificate on a loopback port, three
// always-open offices (which take knocks before any clerk is on duty, so
// tests may knock first and sign in later), known clerks and a service
// token. It owns nothing but test fixtures.
package apptest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/app"
	"github.com/buergerbuero/buergerbuero/appliance/config"
	"github.com/buergerbuero/buergerbuero/appliance/staff"
	"github.com/buergerbuero/buergerbuero/appliance/store/storetest"
	"github.com/buergerbuero/buergerbuero/appliance/web"
	"github.com/buergerbuero/buergerbuero/sfu"
)

// Clerk is a test clerk with a known password.
type Clerk struct {
	Login, Password, DisplayName, MatrixID string
	Role                                   staff.Role
	Offices                                []string
}

// Options adjust the fixture.
type Options struct {
	// ClerkMatrixIDs maps clerk logins to Matrix user ids stored on the clerk.
	ClerkMatrixIDs map[string]string
	// Configure may change the configuration before start.
	Configure func(*config.Config)
	// Media is mounted as the SFU, if set.
	Media web.Media
	// DataDir reuses a directory (restart tests); default a fresh temp dir.
	DataDir string
	// Quiet silences the appliance's log.
	Quiet bool
	// NoMedia leaves the SFU out (default: an SFU on loopback UDP).
	NoMedia bool
	// ListenIP is the address of the HTTPS listener and the SFU's sockets
	// (and is in the certificate); default 127.0.0.1. Tests that put a
	// browser into another network namespace use a veth address.
	ListenIP string
	// Prepare may set up the app after Open and before Start (e.g.
	// App.Appointments).
	Prepare func(*app.App)
	// PseudoLocale renders every page in the pseudo-locale, so a test can
	// find text that does not come from the catalogue.
	PseudoLocale bool
	// SFU may change the SFU's configuration (ICE-TCP, TURN) before it
	// starts. A TURN TLS port without TLSConfig gets the appliance's
	// certificate, as in production.
	SFU func(*sfu.Config)
}

// Server is a running appliance.
type Server struct {
	URL          string
	ServiceToken string
	Clerks       []Clerk
	Offices      []string
	App          *app.App
	CertPEM      []byte
	Config       *config.Config

	t    testing.TB
	opts Options
	ln   net.Listener
	addr string
	sfu  *sfu.SFU
}

// AllDay is opening hours for every day, all day.
func AllDay() map[string][]string {
	h := map[string][]string{}
	for _, d := range []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"} {
		h[d] = []string{"00:00-24:00"}
	}
	return h
}

// Start starts an appliance and stops it when the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.ListenIP == "" {
		opts.ListenIP = "127.0.0.1"
	}
	dir := opts.DataDir
	if dir == "" {
		dir = t.TempDir()
	}
	s := &Server{t: t, opts: opts, ServiceToken: strings.Repeat("t", 8) + staff.RandomToken(24),
		Offices: []string{"buergerbuero", "bauamt", "auslaenderbehoerde"}}
	c := config.Defaults()
	c.Site.Name = "Testkreis"
	c.Site.State = "HE"
	c.HTTP.Listen = "127.0.0.1:0"
	c.HTTP.RedirectListen = ""
	c.HTTP.AdminListen = ""
	c.TLS.Mode = "internal"
	c.Store.DataDir = dir
	if storetest.Dialect() == "postgres" {
		// BUERGERBUERO_TEST_STORE=postgres: the same appliance on PostgreSQL
		c.Store.Driver, c.Store.DSN = "postgres", storetest.DSN(t, dir)
	}
	c.Reception.KnockBurst = 100000
	c.Reception.MaxQueue = 20000
	c.API.ServiceTokens = []config.ServiceToken{{Name: "matrix-bridge", Token: s.ServiceToken}}
	c.Offices = []config.Office{
		{ID: "buergerbuero", Name: "Bürgerbüro", Prefix: "B", Languages: []string{"de", "en", "tr"}, Chairs: 3, Hours: AllDay(), IgnoreHolidays: true, KnocksWithoutClerk: true},
		{ID: "bauamt", Name: "Bauamt", Prefix: "BA", Languages: []string{"de", "en"}, Chairs: 2, Hours: AllDay(), IgnoreHolidays: true, KnocksWithoutClerk: true},
		{ID: "auslaenderbehoerde", Name: "Ausländerbehörde", Prefix: "AB", Languages: []string{"de", "en", "ar"}, Chairs: 2, Hours: AllDay(), IgnoreHolidays: true, KnocksWithoutClerk: true},
	}
	if opts.Configure != nil {
		opts.Configure(c)
	}
	s.Config = c
	s.Clerks = []Clerk{
		{Login: "anna", Password: "anna-passwort-123", DisplayName: "Anna Schneider", Role: staff.RoleClerk, Offices: []string{"buergerbuero", "bauamt"}},
		{Login: "ben", Password: "ben-passwort-1234", DisplayName: "Ben Yılmaz", Role: staff.RoleClerk, Offices: []string{"buergerbuero", "bauamt", "auslaenderbehoerde"}},
		{Login: "carla", Password: "carla-passwort-12", DisplayName: "Carla Weber", Role: staff.RoleLead, Offices: []string{"buergerbuero", "bauamt", "auslaenderbehoerde"}},
	}
	for i := range s.Clerks {
		s.Clerks[i].MatrixID = opts.ClerkMatrixIDs[s.Clerks[i].Login]
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(opts.ListenIP, "0"))
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	c.Site.PublicURL = "https://" + s.addr
	s.URL = c.Site.PublicURL
	s.start(ln)
	t.Cleanup(s.Close)
	return s
}

func (s *Server) start(ln net.Listener) {
	s.t.Helper()
	ctx := context.Background()
	var w io.Writer = os.Stderr
	if s.opts.Quiet {
		w = io.Discard
	}
	log := slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}))
	a, err := app.Open(ctx, s.Config, log)
	if err != nil {
		s.t.Fatal(err)
	}
	// fixed, known passwords: not one-time, so tests sign in straight to the console
	for _, c := range s.Clerks {
		if err := a.Staff.Save(ctx, staff.Clerk{Login: c.Login, DisplayName: c.DisplayName, Role: c.Role, Offices: c.Offices, MatrixID: c.MatrixID}, c.Password, false); err != nil {
			s.t.Fatal(err)
		}
	}
	hosts := []string{"127.0.0.1", "localhost"}
	if s.opts.ListenIP != hosts[0] {
		hosts = append(hosts, s.opts.ListenIP)
	}
	tc, certPEM, err := app.SelfSigned(filepath.Join(s.Config.Store.DataDir, "tls"), hosts...)
	if err != nil {
		s.t.Fatal(err)
	}
	a.TLSConfig, s.CertPEM = tc, certPEM
	a.PseudoLocale = s.opts.PseudoLocale
	a.Media = s.opts.Media
	if a.Media == nil && !s.opts.NoMedia {
		m := app.NewMedia(s.URL)
		sc := sfu.Config{BindIP: s.opts.ListenIP}
		if s.opts.SFU != nil {
			s.opts.SFU(&sc)
		}
		if sc.TURN.TLSPort != 0 && sc.TURN.TLSConfig == nil {
			sc.TURN.TLSConfig = tc
		}
		sf, err := sfu.New(sc, m, a.Registry, log)
		if err != nil {
			s.t.Fatal(err)
		}
		m.SFU, a.Media, s.sfu = sf, m, sf
	}
	if s.opts.Prepare != nil {
		s.opts.Prepare(a)
	}
	if err := a.Start(ctx, ln); err != nil {
		s.t.Fatal(err)
	}
	s.App, s.ln = a, ln
}

// Client returns an HTTP client that trusts the server's certificate.
func (s *Server) Client() *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: s.TLSConfig()}}
}

// TLSConfig returns a client TLS configuration trusting the server.
func (s *Server) TLSConfig() *tls.Config {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(s.CertPEM)
	return &tls.Config{RootCAs: pool}
}

// Close stops the appliance gracefully.
func (s *Server) Close() {
	if s.App == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s.App.Shutdown(ctx)
	s.App = nil
	if s.sfu != nil {
		s.sfu.Close()
		s.sfu = nil
	}
}

// Restart stops the appliance and starts it again on the same address with
// the same data.
func (s *Server) Restart() {
	s.t.Helper()
	s.Close()
	// Shutdown closed the listener, so the port is free again at once.
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		s.t.Fatal(err)
	}
	s.start(ln)
}
