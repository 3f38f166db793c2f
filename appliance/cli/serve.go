package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/app"
	"github.com/buergerbuero/buergerbuero/appliance/config"
)

func serve(ctx context.Context, args []string, stdout io.Writer, log *slog.Logger) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	path := fs.String("config", "/etc/buergerbuero/config.yaml", "configuration file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := config.Load(*path)
	if err != nil {
		return err
	}
	return run(ctx, cfg, stdout, log, nil)
}

// run starts the appliance and blocks until ctx ends, then shuts down.
func run(ctx context.Context, cfg *config.Config, stdout io.Writer, log *slog.Logger, started func(*app.App)) error {
	a, err := app.Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	switch cfg.TLS.Mode {
	case "off":
	case "internal":
		host := "localhost"
		if len(cfg.TLS.Domains) > 0 {
			host = cfg.TLS.Domains[0]
		}
		tc, _, err := app.SelfSigned(filepath.Join(cfg.TLS.StorageDir), host, "localhost", "127.0.0.1", "::1")
		if err != nil {
			return fmt.Errorf("tls: %w", err)
		}
		a.TLSConfig = tc
	default:
		return fmt.Errorf("tls.mode %q is not available in this build", cfg.TLS.Mode)
	}
	ln, err := net.Listen("tcp", cfg.HTTP.Listen)
	if err != nil {
		return fmt.Errorf("listen %s: %w", cfg.HTTP.Listen, err)
	}
	if err := a.Start(ctx, ln); err != nil {
		ln.Close()
		return err
	}
	if cfg.HTTP.AdminListen != "" {
		aln, err := net.Listen("tcp", cfg.HTTP.AdminListen)
		if err != nil {
			return fmt.Errorf("listen %s (http.admin_listen): %w", cfg.HTTP.AdminListen, err)
		}
		a.ServeAdmin(aln)
	}
	log.Info("ready", "addr", a.Addr().String())
	if started != nil {
		started(a)
	}
	<-ctx.Done()
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := a.Shutdown(sctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}
