// Package web serves the appliance over HTTP: the public pages and widget,
// the staff console, the consultation room page, the versioned JSON API
// (/api/v1) and its WebSockets. It owns presentation, HTTP authentication
// (sessions, CSRF, service tokens, the staff networks) and the mapping of problems to HTTP
// status; all rules live in reception and staff.
package web

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"github.com/buergerbuero/buergerbuero/appliance/consultation"
	"github.com/buergerbuero/buergerbuero/appliance/ldapauth"
	"github.com/buergerbuero/buergerbuero/appliance/oidcauth"
	"github.com/buergerbuero/buergerbuero/appliance/onetime"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/buergerbuero/buergerbuero/appliance/admin"
	"github.com/buergerbuero/buergerbuero/appliance/appointments"
	"github.com/buergerbuero/buergerbuero/appliance/audit"
	"github.com/buergerbuero/buergerbuero/appliance/config"
	"github.com/buergerbuero/buergerbuero/appliance/events"
	"github.com/buergerbuero/buergerbuero/appliance/i18n"
	"github.com/buergerbuero/buergerbuero/appliance/notify"
	"github.com/buergerbuero/buergerbuero/appliance/permanent"
	"github.com/buergerbuero/buergerbuero/appliance/reception"
	"github.com/buergerbuero/buergerbuero/appliance/staff"
	"github.com/buergerbuero/buergerbuero/appliance/stats"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Media is the embedded SFU as the web layer sees it.
type Media interface {
	// Grant issues a short-lived admission token for one room and role and
	// returns what the browser needs to connect.
	Grant(room, identity, name, role string) (MediaGrant, error)
	// GrantMember issues the admission of a room's member: its role, and
	// the media kinds its rights withhold (the SFU refuses those).
	GrantMember(room string, m consultation.Member) (MediaGrant, error)
	// Handler serves the signalling WebSocket.
	Handler() http.Handler
	// CloseRoom disconnects everybody from a room.
	CloseRoom(room string)
}

// MediaGrant is handed to the room page.
type MediaGrant struct {
	SignalURL  string `json:"signal_url"`
	Token      string `json:"token"`
	ICEServers any    `json:"ice_servers"`
}

// ServiceToken authorises a machine client of the staff API.
type ServiceToken struct {
	Name  string
	Token string
}

// Options configure the server.
type Options struct {
	// SingleUse keeps stream keys where every node can redeem them (the
	// shared database); nil keeps them in this process (one node).
	SingleUse       onetime.Store
	SiteName        string
	PublicURL       string
	DefaultLanguage string
	FrameAncestors  []string
	TrustedProxies  []*net.IPNet
	// StaffNetworks restrict the staff area to these client addresses
	// (empty: everywhere); see inStaffNetwork.
	StaffNetworks []*net.IPNet
	ServiceTokens []ServiceToken
	SecureCookies bool
	MaxUpload     int64
	Registerer    prometheus.Registerer
	// Ready reports whether the database, SFU and bridge answer.
	Ready func(ctx context.Context) error
	// Started reports whether start-up has finished (for the demo: its
	// logins exist); until then /healthz and /readyz answer 503. Nil means
	// started.
	Started func() bool
	// StaffBackground is the image file clerks may show behind themselves
	// on camera (site.staff_background); "" for the built-in one.
	StaffBackground string
	// EmbedExample serves /demo/embed-example (demo only).
	EmbedExample bool
	// Privacy names the controller and the data-protection officer on the
	// privacy page; Retention is the site's default retention shown there
	// for offices without their own.
	Privacy   config.Privacy
	Retention reception.Retention
	// Bookable: some office offers appointments; BookingRetention
	// (appointments.retention) and MessageKeep (notify.keep) are then said
	// on the privacy page.
	Bookable                      bool
	BookingRetention, MessageKeep time.Duration
	// Accessibility fills the accessibility statement (/barrierefreiheit).
	Accessibility config.Accessibility
	// Catalogue renders every text (error messages, pages) in the
	// request's language; nil means the built-in catalogue.
	Catalogue *i18n.Catalogue
	// OIDC signs staff in through an OpenID provider (oidc.go); nil: local
	// accounts only.
	OIDC *oidcauth.Provider
	// LDAP checks staff logins that are not local accounts at the
	// county's directory (ldap.go); nil: none.
	LDAP *ldapauth.Directory
	// SSOGrants keeps the grants directory sessions (OIDC, LDAP) are
	// re-checked with, for every node (sso.go); nil: in this process only.
	SSOGrants staff.SSOGrants
	// TOTPIssuer is the name authenticator apps show for a staff key.
	TOTPIssuer string
	// ProofOfWork guards booking holds; nil refuses every hold.
	ProofOfWork ProofOfWork
	// Outbox shows admins the notification outbox (GET
	// /api/v1/staff/outbox); OutboxChannels are the configured channels.
	Outbox         Outbox
	OutboxChannels []string
	// CalendarFeeds keeps the staff calendar feeds (GET /calendar/…ics);
	// Appointments is what they list (nil: empty calendars), in Location.
	CalendarFeeds CalendarFeeds
	Appointments  notify.Appointments
	// Mailbox, in the demo only, keeps the e-mails instead of sending them;
	// shown at DemoMailboxPath.
	Mailbox Mailbox
	// Booking is the appointment book; nil answers the booking API with 404.
	Booking *appointments.Book
	// Stats are the persisted usage figures (the statistics page); nil
	// answers the page with 403.
	Stats stats.Source
	// Events are the citizens' hours and press conferences; nil answers
	// their API and pages with 404.
	Events *events.Service
	// Location is the site's time zone (site.time_zone) in which pages
	// show times; nil means Europe/Berlin.
	Location *time.Location
	// Permanent is the permanent rooms (lobby, presence, moderation); nil
	// answers their API with 404.
	Permanent *permanent.Service
	// Audit is the audit log the administration writes to and its viewer
	// reads (audit_pages.go); nil: no viewer.
	Audit audit.Log
	// Admin is the web administration (/staff/admin, admin_*.go): offices,
	// site settings, branding and waiting-room texts changed at run time;
	// nil serves none and uses the options above as they are.
	Admin *admin.Service
	// PseudoLocale renders every page text through the pseudo-locale
	// (i18n.Catalogue.Pseudo): for tests that look for hard-coded text.
	PseudoLocale bool
	// MediaOrigins are the other nodes' signalling origins (wss://host)
	// a page may connect to when rooms are placed across nodes
	// (appliance/placement); nil: this node's own only.
	MediaOrigins func() []string
}

// Server is the HTTP front of the appliance.
type Server struct {
	rec     *reception.Service
	staff   *staff.Service
	media   Media
	opt     Options
	log     *slog.Logger
	tmpl    *template.Template
	mux     *http.ServeMux
	tokens  []tokenEntry
	routes_ []string // registered API patterns, for the contract test
	writer  *writerPool
	idle    *idlePoller // reads waiting citizens' connections (idleread.go)
	live    liveSet
	reqDur  *prometheus.HistogramVec
	// service clients (the Matrix bridge) following the staff event stream
	bridgeStreams prometheus.Gauge
	bridgeEvents  prometheus.Counter

	// the grants of directory sessions, kept in the database (sso.go)
	sso ssoSessions
	// single-use keys that open a WebSocket (streamkey.go)
	streamKeys streamKeys
	// anonymous event viewers per client address (eventlimit.go)
	eventJoins joinLimiter

	mu       sync.Mutex
	shutdown chan struct{}
	closed   bool
	conns    sync.WaitGroup
}

type tokenEntry struct {
	name string
	hash [32]byte
}

// New builds the server; media may be nil (no video).
func New(rec *reception.Service, st *staff.Service, media Media, opt Options, log *slog.Logger) (*Server, error) {
	tmpl, err := template.New("").Funcs(templateFuncs).ParseFS(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	s := &Server{rec: rec, staff: st, media: media, opt: opt, log: log, tmpl: tmpl, mux: http.NewServeMux(),
		writer: newWriterPool(16), idle: newIdlePoller(), shutdown: make(chan struct{})}
	s.streamKeys.keys = onetime.New(opt.SingleUse, "stream")
	s.sso.store = opt.SSOGrants
	for _, t := range opt.ServiceTokens {
		s.tokens = append(s.tokens, tokenEntry{t.Name, sha256.Sum256([]byte(t.Token))})
	}
	s.reqDur = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "buergerbuero_http_request_duration_seconds", Help: "HTTP request durations by route pattern.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"route", "method", "code"})
	s.bridgeStreams = prometheus.NewGauge(prometheus.GaugeOpts{Name: "buergerbuero_bridge_streams_open",
		Help: "Staff event streams held open by service clients (the Matrix bridge); 0 means the bridge is not connected."})
	s.bridgeEvents = prometheus.NewCounter(prometheus.CounterOpts{Name: "buergerbuero_bridge_events_sent_total",
		Help: "Staff stream events delivered to service clients (the Matrix bridge)."})
	if opt.Registerer != nil {
		opt.Registerer.MustRegister(s.reqDur, s.bridgeStreams, s.bridgeEvents)
	}
	s.routes()
	go s.keepAlive()
	return s, nil
}

// Handler returns the root handler with security headers, the API guard
// (guard.go) and metrics.
func (s *Server) Handler() http.Handler { return s.secure(s.guardAPI(s.mux)) }

// track registers a live connection for Shutdown to wait on; it fails once
// shutdown has begun (the WaitGroup must not grow while it is waited on).
func (s *Server) track(c *citizenConn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns.Add(1)
	if c != nil {
		s.live.add(c)
	}
	return true
}

// Shutdown tells live connections to reconnect (close code 1012, "service
// restart") and waits for them to finish, until ctx ends.
func (s *Server) Shutdown(ctx context.Context) {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		close(s.shutdown)
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.conns.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
	s.writer.close()
	s.idle.close()
}

func (s *Server) handle(pattern string, h http.HandlerFunc) {
	route := pattern
	s.routes_ = append(s.routes_, pattern)
	s.mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, code: 200}
		h(sw, r)
		if s.reqDur != nil && !sw.hijacked {
			s.reqDur.WithLabelValues(route, r.Method, itoa(sw.code)).Observe(time.Since(start).Seconds())
		}
	}))
}

// clientIP returns the client address, believing X-Forwarded-For only from
// trusted proxies. It is used for the knock rate limit and never stored.
func (s *Server) clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip := net.ParseIP(host)
	for _, n := range s.opt.TrustedProxies {
		if ip != nil && n.Contains(ip) {
			if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
				parts := strings.Split(xff, ",")
				return strings.TrimSpace(parts[len(parts)-1])
			}
		}
	}
	return host
}

// serviceClient returns the name of the machine client presenting a valid
// bearer token, or "".
func (s *Server) serviceClient(r *http.Request) string {
	auth := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok || tok == "" {
		return ""
	}
	h := sha256.Sum256([]byte(tok))
	name := ""
	for _, t := range s.tokens {
		if subtle.ConstantTimeCompare(h[:], t.hash[:]) == 1 {
			name = t.name
		}
	}
	return name
}

func staticSub() fs.FS {
	sub, _ := fs.Sub(staticFS, "static")
	return sub
}

// Routes lists the registered route patterns ("METHOD /path/{var}").
func (s *Server) Routes() []string { return append([]string(nil), s.routes_...) }
