// Package app assembles the appliance from its configuration: store, staff,
// reception, media, the notification outbox and the web server, with
// listeners, TLS and metrics. It owns the process lifecycle (start,
// readiness, graceful shutdown) and no domain rules.
package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"github.com/buergerbuero/buergerbuero/appliance/ldapauth"
	"github.com/buergerbuero/buergerbuero/appliance/oidcauth"
	"github.com/buergerbuero/buergerbuero/appliance/placement"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/buergerbuero/buergerbuero/appliance/admin"
	"github.com/buergerbuero/buergerbuero/appliance/appointments"
	"github.com/buergerbuero/buergerbuero/appliance/config"
	"github.com/buergerbuero/buergerbuero/appliance/documents"
	"github.com/buergerbuero/buergerbuero/appliance/events"
	"github.com/buergerbuero/buergerbuero/appliance/i18n"
	"github.com/buergerbuero/buergerbuero/appliance/notify"
	"github.com/buergerbuero/buergerbuero/appliance/permanent"
	"github.com/buergerbuero/buergerbuero/appliance/pow"
	"github.com/buergerbuero/buergerbuero/appliance/reception"
	"github.com/buergerbuero/buergerbuero/appliance/staff"
	"github.com/buergerbuero/buergerbuero/appliance/stats"
	"github.com/buergerbuero/buergerbuero/appliance/store"
	"github.com/buergerbuero/buergerbuero/appliance/web"
)

// App is a running appliance.
type App struct {
	Cfg   *config.Config
	DB    *store.DB
	Staff *staff.Service
	Rec   *reception.Service
	// Admin is the web administration (offices, site settings, branding,
	// waiting-room texts), applied without a restart.
	Admin *admin.Service
	// Book is the appointment book (services, slots, bookings).
	Book *appointments.Book
	// Events are the citizens' hours and press conferences (set in Start).
	Events   *events.Service
	Web      *web.Server
	Registry *prometheus.Registry
	Log      *slog.Logger
	// Catalogue renders every text a person reads (built-in texts plus
	// site.locale_dir), loaded once in Open.
	Catalogue *i18n.Catalogue
	// Outbox delivers the messages to citizens (nil without a notify
	// section); the store wakes it whenever a message is stored.
	Outbox         *notify.Outbox
	outboxChannels []string
	// Mailbox keeps the e-mails instead of sending them (the demo only;
	// see DemoMailbox).
	Mailbox     *notify.Mailbox
	wantMailbox bool
	// Appointments, if set before Start, fills the staff calendar feeds
	// instead of the database's bookings (tests).
	Appointments notify.Appointments
	// PoW issues and checks the proof of work on booking holds, keyed by
	// <store.data_dir>/pow-hmac.key.
	PoW *pow.PoW

	// TURNSecret is the key of the TURN credentials all nodes share (nil
	// on one node: the SFU draws its own).
	TURNSecret []byte
	// Media, if set before Start, is mounted as the SFU.
	Media web.Media
	// Permanent is the permanent rooms (built by Start).
	Permanent *permanent.Service
	// TLSConfig overrides the configured certificates (tests, demo).
	TLSConfig *tls.Config
	// HoldReady keeps /healthz and /readyz at 503 ("starting") after Start
	// until MarkReady: the caller has more to do before the appliance is
	// usable (other listeners, the demo's summary). Without it Start marks
	// the appliance ready itself.
	HoldReady bool
	// EmbedExample serves /demo/embed-example, a county page embedding the
	// widget (the demo turns it on).
	EmbedExample bool
	// PseudoLocale renders the pages in the pseudo-locale (tests only).
	PseudoLocale bool

	started atomic.Bool
	// placer places rooms across nodes (cluster.go placeMedia); nil on
	// one node.
	placer atomic.Pointer[placement.DB]

	mu      sync.Mutex
	servers []*http.Server
	cancel  context.CancelFunc
	done    sync.WaitGroup
	addr    net.Addr
	admin   net.Addr
}

// Open prepares the appliance: database, offices from the configuration,
// staff and reception services. Nothing listens yet.
func Open(ctx context.Context, cfg *config.Config, log *slog.Logger, opts ...Option) (*App, error) {
	cat, err := i18n.Load(cfg.Site.LocaleDir)
	if err != nil {
		return nil, fmt.Errorf("site.locale_dir: %w", err)
	}
	db, err := OpenStore(ctx, cfg.Store)
	if err != nil {
		return nil, err
	}
	db.SetNode(newNodeName())
	powKey, err := pow.LoadKey(cfg.Store.DataDir)
	if err == nil {
		powKey, err = sharedPoWKey(ctx, db, powKey, log)
	}
	var bookKey []byte
	if err == nil {
		// before anything is written: a node whose configured key differs
		// from the cluster's stops here and leaves the database as it was
		bookKey, err = bookingKey(ctx, cfg, db, log)
	}
	var turnSecret []byte
	if err == nil {
		turnSecret, err = sharedTURNSecret(ctx, db)
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	pw, err := pow.New(powKey, pow.Settings{MaxNumber: cfg.HTTP.ProofOfWork.MaxNumber, Expiry: cfg.HTTP.ProofOfWork.Expiry.Duration})
	if err != nil {
		db.Close()
		return nil, err
	}
	if db.Shared() {
		pw.Share(powSpent{db})
	}
	a := &App{Cfg: cfg, DB: db, Log: log, Registry: prometheus.NewRegistry(), Catalogue: cat, PoW: pw, TURNSecret: turnSecret}
	a.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for i, o := range cfg.Offices {
		if err := db.UpsertOffice(ctx, OfficeFromConfig(o, i)); err != nil {
			db.Close()
			return nil, err
		}
	}
	au := cfg.Auth
	a.Staff = staff.NewService(db, staff.Policy{
		Throttle: staff.Throttle{AddressAttempts: au.AddressAttempts, AddressMaxDelay: au.AddressMaxDelay.Duration,
			AccountAttempts: au.AccountAttempts, AccountMaxDelay: au.AccountMaxDelay.Duration,
			FirstDelay: au.FirstDelay.Duration, Forget: au.ThrottleForget.Duration},
		SessionLifetime: au.SessionLifetime.Duration, SessionIdle: au.SessionIdle.Duration,
		TOTPRoles: totpRoles(au.TOTP.RequiredRoles),
	})
	if db.Shared() {
		// a second step or an enrolment may go on on another node
		a.Staff.Share(db)
	}
	loc, _ := time.LoadLocation(cfg.Site.TimeZone)
	a.Rec = reception.New(db, db, reception.Settings{
		State: cfg.Site.State, Loc: loc, GracePeriod: cfg.Reception.GracePeriod.Duration, CalledTimeout: cfg.Reception.CalledTimeout.Duration,
		MaxQueue: cfg.Reception.MaxQueue, DefaultHandling: cfg.Reception.DefaultHandling.Duration, KnockBurst: cfg.Reception.KnockBurst,
		KnockPer: cfg.Reception.KnockPer.Duration, Retention: reception.Retention{Content: cfg.Reception.Retention.Content.Duration, Personal: cfg.Reception.Retention.Personal.Duration}, MaxUpload: cfg.Reception.MaxUpload,
		Roles: cfg.RolePolicy(), Count: stats.Count,
	}, reception.NewMetrics(a.Registry), log)
	a.Admin = admin.New(db, cfg, a.announced(a.adminHooks()))
	for _, o := range opts {
		o(a)
	}
	docs, err := documents.New(documents.Config{MaxSize: cfg.Reception.MaxUpload, Types: cfg.Documents.DocumentTypes(),
		Clamd: cfg.Documents.Clamd, ScanTimeout: cfg.Documents.ScanTimeout.Duration}, log.With("component", "documents"))
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("documents: %w", err)
	}
	a.Rec.Rooms.SetDocuments(docs)
	if docs.Scanning() {
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		if err := docs.Ping(pctx); err != nil {
			log.Warn("documents: clamd does not answer; uploads are refused until it does", "clamd", cfg.Documents.Clamd, "err", err)
		}
		cancel()
	}
	if cfg.Notify != nil {
		if err := a.openNotify(loc); err != nil {
			db.Close()
			return nil, err
		}
	}
	if a.Book, err = openBook(cfg, db, loc, a.outboxChannels, bookKey, log); err != nil {
		db.Close()
		return nil, err
	}
	a.Book.SetMetrics(appointments.NewMetrics(a.Registry))
	// the persisted daily figures as gauges (package stats)
	a.Registry.MustRegister(stats.NewCollector(db, func() []string {
		var ids []string
		for _, o := range a.Rec.Offices() {
			ids = append(ids, o.ID)
		}
		return ids
	}, loc))
	a.Staff.OnPresence = a.Rec.UpdateClerk
	a.Rec.PresenceChanged = func(login string, p staff.Presence) {
		if err := db.SetPresence(context.Background(), login, p); err != nil {
			log.Error("save presence", "clerk", login, "err", err)
		}
	}
	return a, nil
}

// OfficeFromConfig converts a configured office.
func OfficeFromConfig(o config.Office, pos int) reception.Office {
	ro := reception.Office{ID: o.ID, Name: o.Name, Prefix: o.Prefix, Description: o.Description, Languages: o.Languages,
		Chairs: o.Chairs, Hours: o.Hours, Exceptions: o.Exceptions, IgnoreHolidays: o.IgnoreHolidays, Position: pos,
		Confidential: o.Confidential, ConcernCategories: o.ConcernCategories, KnocksWithoutClerk: o.KnocksWithoutClerk,
		ReservedChairs: o.Appointments.Chairs}
	if o.Retention != nil {
		ro.Retention = &reception.Retention{Content: o.Retention.Content.Duration, Personal: o.Retention.Personal.Duration}
	}
	return ro
}

// Start loads state and starts listening on ln (HTTPS unless tls.mode is
// off). It returns once the appliance is ready.
func (a *App) Start(ctx context.Context, ln net.Listener) error {
	clerks, err := a.Staff.Clerks(ctx)
	if err != nil {
		return err
	}
	// a node sharing the database follows the others' changes from here
	follow, err := a.Rec.LastEventSeq(ctx)
	if err != nil {
		return err
	}
	if err := a.Rec.Start(ctx, clerks); err != nil {
		return err
	}
	if err := a.Admin.Load(quiet(ctx)); err != nil {
		return err
	}
	var tokens []web.ServiceToken
	for _, t := range a.Cfg.API.ServiceTokens {
		tok, err := t.Value()
		if err != nil {
			return err
		}
		tokens = append(tokens, web.ServiceToken{Name: t.Name, Token: tok})
	}
	var proxies, staffNets []*net.IPNet
	for _, p := range a.Cfg.HTTP.TrustedProxies {
		_, n, _ := net.ParseCIDR(p)
		proxies = append(proxies, n)
	}
	for _, p := range a.Cfg.HTTP.StaffNetworks {
		_, n, _ := net.ParseCIDR(p)
		staffNets = append(staffNets, n)
	}
	siteLoc, _ := time.LoadLocation(a.Cfg.Site.TimeZone) // checked by Validate
	var sso *oidcauth.Provider
	if a.Cfg.Auth.OIDC != nil {
		dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		sso, err = oidcauth.New(dctx, a.Cfg.Auth.OIDC, a.Cfg.Site.PublicURL)
		cancel()
		if err != nil {
			return err
		}
		if a.DB.Shared() {
			// the provider's redirect back may reach another node
			sso.Share(a.DB)
		}
	}
	var dir *ldapauth.Directory
	if a.Cfg.Auth.LDAP != nil {
		if dir, err = ldapauth.New(a.Cfg.Auth.LDAP); err != nil {
			return err
		}
	}
	var moderator permanent.Moderator
	if m, ok := a.Media.(permanent.Moderator); ok {
		moderator = m
	}
	a.Permanent = permanent.New(a.DB, a.Rec.Rooms, moderator, permanent.Settings{})
	w, err := web.New(a.Rec, a.Staff, a.Media, web.Options{
		ProofOfWork: a.PoW, SiteName: a.Cfg.Site.Name, StaffBackground: a.Cfg.Site.StaffBackground, PublicURL: strings.TrimRight(a.Cfg.Site.PublicURL, "/"), DefaultLanguage: a.Cfg.Site.DefaultLanguage,
		FrameAncestors: a.Cfg.HTTP.FrameAncestors, TrustedProxies: proxies, StaffNetworks: staffNets, ServiceTokens: tokens, SecureCookies: true,
		MaxUpload: a.Cfg.Reception.MaxUpload, Registerer: a.Registry, Ready: a.Ready, Started: a.started.Load,
		EmbedExample: a.EmbedExample, Mailbox: a.mailbox(), Privacy: a.Cfg.Site.Privacy, Accessibility: a.Cfg.Site.Accessibility, Catalogue: a.Catalogue,
		Location: siteLoc, PseudoLocale: a.PseudoLocale, MediaOrigins: a.mediaOrigins,
		Stats:     a.DB,
		Retention: reception.Retention{Content: a.Cfg.Reception.Retention.Content.Duration, Personal: a.Cfg.Reception.Retention.Personal.Duration},
		Bookable:  bookable(a.Cfg), BookingRetention: a.Cfg.Appointments.Retention.Duration, MessageKeep: messageKeep(a.Cfg.Notify),
		Outbox: a.DB, OutboxChannels: a.outboxChannels,
		CalendarFeeds: a.DB, Appointments: a.feedSource(),
		Audit:     a.DB,
		SingleUse: a.singleUse(),
		Booking:   a.Book, Events: a.openEvents(), Permanent: a.Permanent, Admin: a.Admin, OIDC: sso, LDAP: dir, SSOGrants: a.DB, TOTPIssuer: a.Cfg.Auth.TOTP.Issuer,
	}, a.Log)
	if err != nil {
		return err
	}
	a.Web = w
	if a.Media != nil {
		a.Rec.RoomEnded = a.Media.CloseRoom
	}
	runCtx, cancel := context.WithCancel(context.Background())
	a.cancel = cancel
	a.done.Add(1)
	go func() { defer a.done.Done(); a.Rec.Run(runCtx) }()
	a.followOthers(runCtx, follow)
	if err := a.placeMedia(runCtx); err != nil {
		cancel()
		return err
	}
	if a.Outbox != nil {
		a.done.Add(1)
		go func() { defer a.done.Done(); a.Outbox.Run(runCtx) }()
	}
	a.done.Add(1)
	go func() { defer a.done.Done(); a.Book.Run(runCtx) }()

	srv := &http.Server{Handler: w.Handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second,
		ErrorLog: slog.NewLogLogger(a.Log.Handler(), slog.LevelDebug)}
	if a.Cfg.TLS.Mode != "off" {
		tc := a.TLSConfig
		if tc == nil {
			return errors.New("no TLS configuration (set App.TLSConfig or tls.mode off)")
		}
		ln = tls.NewListener(ln, tc)
	}
	a.addr = ln.Addr()
	a.serve(srv, ln)
	if !a.HoldReady {
		a.MarkReady()
	}
	return nil
}

// MarkReady lets /healthz and /readyz answer 200 (see HoldReady).
func (a *App) MarkReady() { a.started.Store(true) }

// ServeAdmin serves /metrics on ln (loopback by default).
func (a *App) ServeAdmin(ln net.Listener) {
	a.mu.Lock()
	a.admin = ln.Addr()
	a.mu.Unlock()
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(a.Registry, promhttp.HandlerOpts{}))
	a.serve(&http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}, ln)
}

// ServeRedirect serves h (ACME challenges and redirects) on ln.
func (a *App) ServeRedirect(ln net.Listener, h http.Handler) {
	a.serve(&http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}, ln)
}

func (a *App) serve(srv *http.Server, ln net.Listener) {
	a.mu.Lock()
	a.servers = append(a.servers, srv)
	a.mu.Unlock()
	a.done.Add(1)
	go func() {
		defer a.done.Done()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.Log.Error("serve", "addr", ln.Addr().String(), "err", err)
		}
	}()
}

// Addr is the address of the main listener.
func (a *App) Addr() net.Addr { return a.addr }

// AdminAddr is the address serving /metrics, nil if none.
func (a *App) AdminAddr() net.Addr {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.admin
}

// errStarting is the readiness answer between listening and MarkReady.
var errStarting = errors.New("starting")

// Ready reports whether the appliance can serve: it has finished starting
// and the database answers.
func (a *App) Ready(ctx context.Context) error {
	if !a.started.Load() {
		return errStarting
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := a.DB.Ping(ctx); err != nil {
		return fmt.Errorf("database: %w", err)
	}
	return nil
}

// Shutdown stops gracefully: live clients are told to reconnect, requests
// in flight finish, and the database is closed. State is already durable.
func (a *App) Shutdown(ctx context.Context) error {
	if a.Web != nil {
		a.Web.Shutdown(ctx)
	}
	a.mu.Lock()
	servers := a.servers
	a.mu.Unlock()
	for _, s := range servers {
		s.Shutdown(ctx)
	}
	if a.cancel != nil {
		a.cancel()
	}
	a.Rec.Hub.Shutdown()
	a.done.Wait()
	if a.Permanent != nil {
		a.Permanent.Close() // rooms emptied within their grace are emptied now
	}
	return a.DB.Close()
}

// messageKeep is how long a sent message's recipient and text are kept
// (notify.keep; 0 when nothing is sent).
func messageKeep(n *config.Notify) time.Duration {
	if n == nil {
		return 0
	}
	return n.Keep.Duration
}

// bookable reports whether any office offers services to book.
func bookable(c *config.Config) bool {
	for _, o := range c.Offices {
		if len(o.Services) > 0 {
			return true
		}
	}
	return false
}

func totpRoles(names []string) []staff.Role {
	var r []staff.Role
	for _, n := range names {
		r = append(r, staff.Role(n))
	}
	return r
}
