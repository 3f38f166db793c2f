package systemd

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
	"golang.org/x/sys/unix"
)

// Ready tells systemd that start-up is complete (READY=1). Call it only after
// the listeners, the database and the SFU are up: with Type=notify, units
// ordered after this one start then. It does nothing outside systemd.
func Ready() error { return notify(daemon.SdNotifyReady) }

// Stopping tells systemd that a graceful shutdown has begun (STOPPING=1).
func Stopping() error { return notify(daemon.SdNotifyStopping) }

// Reloading tells systemd that the configuration is being reloaded
// (RELOADING=1 with the MONOTONIC_USEC that Type=notify-reload requires).
// Call Ready again when the reload is complete.
func Reloading() error {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		return fmt.Errorf("sd_notify RELOADING: read monotonic clock: %w", err)
	}
	usec := ts.Sec*1_000_000 + ts.Nsec/1_000
	return notify(fmt.Sprintf("%s\nMONOTONIC_USEC=%d", daemon.SdNotifyReloading, usec))
}

func notify(state string) error {
	if _, err := daemon.SdNotify(false, state); err != nil {
		return fmt.Errorf("sd_notify %q: %w", state, err)
	}
	return nil
}

// Watchdog pings systemd's watchdog (WATCHDOG=1) at half the interval
// systemd asked for (WatchdogSec=, seen as WATCHDOG_USEC), but only while
// health returns nil. A wedged or unhealthy daemon therefore stops pinging
// and systemd restarts it. Each health call gets a context that ends at the
// next ping time. Watchdog blocks until ctx ends; it returns at once when no
// watchdog is configured for this process. Run it in its own goroutine.
func Watchdog(ctx context.Context, health func(context.Context) error, log *slog.Logger) {
	interval, err := daemon.SdWatchdogEnabled(false)
	if err != nil {
		log.Warn("systemd watchdog misconfigured; not pinging", "error", err)
		return
	}
	if interval <= 0 {
		log.Debug("systemd watchdog not enabled")
		return
	}
	period := interval / 2
	log.Info("systemd watchdog enabled", "interval", interval, "ping_every", period)
	tick := time.NewTicker(period)
	defer tick.Stop()
	healthy := true
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		hctx, cancel := context.WithTimeout(ctx, period)
		err := health(hctx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			if healthy {
				log.Error("health check failed; withholding watchdog ping", "error", err)
			}
			healthy = false
			continue
		case !healthy:
			log.Info("health check passes again; resuming watchdog pings")
			healthy = true
		}
		if err := notify(daemon.SdNotifyWatchdog); err != nil {
			log.Warn("watchdog ping failed", "error", err)
		}
	}
}
