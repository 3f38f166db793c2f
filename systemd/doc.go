// Package systemd integrates the daemon with systemd: readiness, reload and
// stop notifications (Ready, Reloading, Stopping), watchdog pings that stop
// when the daemon's health check fails (Watchdog), socket activation
// (Listeners) and journald logging (NewJournalHandler). The unit files live
// in systemd/units and are checked by systemd-analyze in this package's tests.
//
// Everything here is a no-op or falls back gracefully when the process is not
// run by systemd, so the same binary runs from a shell or in tests. The
// package owns no application state; it must not decide when the daemon is
// ready or healthy — callers say so.
package systemd
