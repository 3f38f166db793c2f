package matrixbridge

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/buergerbuero/buergerbuero/appliance/logging"
	"github.com/buergerbuero/buergerbuero/systemd"
)

// Main is `buergerbuero bridge`: it parses args (without the program and
// sub-command names), then writes the registration or runs the bridge until
// ctx ends. It returns the process exit code.
//
//	--config FILE                  configuration (see example-config.yaml)
//	--generate-registration        write appservice.registration and exit
//	--ignore-unsupported-server    start even if the homeserver advertises an old spec (Dendrite)
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("buergerbuero bridge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "/etc/buergerbuero/bridge.yaml", "configuration `file`")
	genReg := fs.Bool("generate-registration", false, "write the appservice registration file (appservice.registration) and exit")
	ignoreUnsupported := fs.Bool("ignore-unsupported-server", false, "start even if the homeserver advertises an unsupported spec version (Dendrite)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	cfg, err := LoadConfig(*configPath)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	if *genReg {
		reg, err := WriteRegistration(cfg)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		fmt.Fprintf(stdout, "Wrote the appservice registration %q to %s; add it to the homeserver (docs/matrix.md).\n", reg.ID, cfg.AppService.Registration)
		return 0
	}
	log := slog.New(logging.Redact(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: parseLevel(cfg.LogLevel)})))
	b, err := New(cfg, log, Options{IgnoreUnsupportedServer: *ignoreUnsupported})
	if err != nil {
		log.Error("bridge setup failed", "err", err)
		return 1
	}
	if err := b.Start(ctx); err != nil {
		log.Error("bridge start failed", "err", err)
		return 1
	}
	log.Info("bridge running")
	if err := systemd.Ready(); err != nil {
		log.Warn("systemd readiness", "err", err)
	}
	<-ctx.Done()
	log.Info("bridge stopping")
	_ = systemd.Stopping()
	b.Stop()
	return 0
}

func parseLevel(s string) slog.Level {
	var l slog.Level
	_ = l.UnmarshalText([]byte(s))
	return l
}
