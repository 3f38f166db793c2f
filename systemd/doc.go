// Package systemd integrates the daemon with systemd: readiness and watchdog
// notifications, socket activation and journald logging. The unit files live
// in systemd/units.
package systemd
