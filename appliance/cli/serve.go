package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/app"
	"github.com/buergerbuero/buergerbuero/appliance/config"
	"github.com/buergerbuero/buergerbuero/appliance/logging"
	"github.com/buergerbuero/buergerbuero/appliance/tlsconf"
	"github.com/buergerbuero/buergerbuero/sfu"
	"github.com/buergerbuero/buergerbuero/systemd"
)

func serve(ctx context.Context, args []string, stdout io.Writer, _ *slog.Logger) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	path := fs.String("config", "/etc/buergerbuero/config.yaml", "configuration file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := config.Load(*path)
	if err != nil {
		return err
	}
	// journald when run by systemd, text on stderr otherwise; personal
	// fields are redacted in either case
	log := slog.New(logging.Redact(systemd.NewJournalHandler(&slog.HandlerOptions{Level: slog.LevelInfo})))
	if missing := cfg.Site.Privacy.Missing(); len(missing) > 0 {
		// not fatal: a first boot from a seed has no privacy section yet,
		// and the reception must still come up; the page says what is missing
		log.Warn("the privacy page (/datenschutz) is incomplete: set these config fields", "fields", strings.Join(missing, ", "))
	}
	if missing := cfg.Site.Accessibility.Missing(cfg.Site.Privacy); len(missing) > 0 {
		log.Warn("the accessibility statement (/barrierefreiheit) is incomplete: set these config fields", "fields", strings.Join(missing, ", "))
	}
	return run(ctx, cfg, stdout, log, nil, nil)
}

// run starts the appliance and blocks until ctx ends, then shuts down. It
// takes sockets from systemd when socket-activated and opens them itself
// otherwise. prepare, if set, runs after the database is open and before
// anything listens (the demo seeds its clerks there); started runs once
// every listener is up, before /healthz turns 200 and systemd hears READY.
func run(ctx context.Context, cfg *config.Config, stdout io.Writer, log *slog.Logger, prepare func(*app.App) error, started func(*app.App), opts ...app.Option) error {
	act, err := systemd.Listeners()
	if err != nil {
		return fmt.Errorf("socket activation: %w", err)
	}
	defer act.Close()
	a, err := app.Open(ctx, cfg, log, opts...)
	if err != nil {
		return err
	}
	a.HoldReady = true
	if prepare != nil {
		if err := prepare(a); err != nil {
			a.DB.Close()
			return err
		}
	}
	tlsCtx, stopTLS := context.WithCancel(context.Background())
	defer stopTLS()
	var tm *tlsconf.Manager
	if cfg.TLS.Mode != "off" {
		var opts []tlsconf.Option
		if cfg.HTTP.RedirectListen != "" && act.Listener(systemd.NameHTTP) == nil {
			if _, port, _ := net.SplitHostPort(cfg.HTTP.RedirectListen); port != "80" {
				opts = append(opts, tlsconf.WithHTTPChallengeAddr(cfg.HTTP.RedirectListen))
			}
		}
		if u, err := url.Parse(cfg.Site.PublicURL); err == nil && u.Port() != "" && u.Port() != "443" {
			p, _ := strconv.Atoi(u.Port())
			opts = append(opts, tlsconf.WithHTTPSPort(p))
		}
		if a.DB.Shared() {
			// several nodes on one PostgreSQL: one set of certificates,
			// one ACME account, one internal CA for all of them
			opts = append(opts, tlsconf.WithSharedStorage(a.DB))
		}
		if tm, err = tlsconf.New(tlsCtx, cfg.TLS, log, opts...); err != nil {
			return err
		}
		defer tm.Close()
		a.TLSConfig = tm.TLSConfig()
		a.Registry.MustRegister(tm.Collector())
	}
	media, err := startMedia(cfg, act, a, tm, log)
	if err != nil {
		return err
	}
	ln, err := act.ListenerOr(systemd.NameHTTPS, cfg.HTTP.Listen)
	if err != nil {
		return fmt.Errorf("listen %s (http.listen): %w", cfg.HTTP.Listen, err)
	}
	if err := a.Start(ctx, ln); err != nil {
		return err
	}
	if cfg.HTTP.RedirectListen != "" {
		hln, err := act.ListenerOr(systemd.NameHTTP, cfg.HTTP.RedirectListen)
		if err != nil {
			return fmt.Errorf("listen %s (http.redirect_listen): %w", cfg.HTTP.RedirectListen, err)
		}
		if tm != nil {
			a.ServeRedirect(hln, tm.HTTPHandler(a.Web.Handler()))
		} else {
			a.ServeRedirect(hln, a.Web.Handler())
		}
	}
	if cfg.HTTP.AdminListen != "" {
		aln, err := net.Listen("tcp", cfg.HTTP.AdminListen)
		if err != nil {
			return fmt.Errorf("listen %s (http.admin_listen): %w", cfg.HTTP.AdminListen, err)
		}
		a.ServeAdmin(aln)
		log.Info("metrics", "addr", aln.Addr().String())
	}
	if started != nil {
		started(a)
	}
	a.MarkReady()
	if err := systemd.Ready(); err != nil {
		log.Warn("systemd notify", "err", err)
	}
	wctx, stopWatchdog := context.WithCancel(ctx)
	defer stopWatchdog()
	go systemd.Watchdog(wctx, func(ctx context.Context) error {
		if err := a.Ready(ctx); err != nil {
			return err
		}
		if media != nil {
			return media.SFU.Healthy()
		}
		return nil
	}, log)
	log.Info("ready", "addr", a.Addr().String())
	<-ctx.Done()
	systemd.Stopping()
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	err = a.Shutdown(sctx)
	if media != nil {
		media.SFU.Close()
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// startMedia starts the embedded SFU on the configured (or socket-activated)
// UDP port and mounts it into the appliance.
func startMedia(cfg *config.Config, act systemd.Activated, a *app.App, tm *tlsconf.Manager, log *slog.Logger) (*app.Media, error) {
	m := app.NewMedia(cfg.Site.PublicURL)
	sc := sfu.Config{UDPPort: cfg.Media.UDPPort, TCPPort: cfg.Media.TCPPort, PublicIPs: cfg.Media.PublicIPs, UDPConn: act.PacketConn(systemd.NameMedia)}
	if cfg.Media.TURN.Enabled {
		sc.TURN = sfu.TURNConfig{Enabled: true, UDPPort: cfg.Media.TURN.UDPPort, TCPPort: cfg.Media.TURN.TCPPort, Realm: cfg.Media.TURN.Realm, Secret: a.TURNSecret}
		if tm != nil && tm.TLSConfig() != nil {
			sc.TURN.TLSPort, sc.TURN.TLSConfig = cfg.Media.TURN.TLSPort, tm.TLSConfig()
		}
		if len(cfg.TLS.Domains) > 0 {
			sc.TURN.Host = cfg.TLS.Domains[0]
		}
	}
	s, err := sfu.New(sc, m, a.Registry, log.With("component", "sfu"))
	if err != nil {
		return nil, fmt.Errorf("media (media.udp_port %d): %w", cfg.Media.UDPPort, err)
	}
	m.SFU = s
	a.Media = m
	return m, nil
}
