package systemd

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

const datagramWait = 5 * time.Second // generous: the machine is shared

// notifySocket plays systemd: it listens on a NOTIFY_SOCKET for the test.
func notifySocket(t *testing.T) *net.UnixConn {
	t.Helper()
	path := filepath.Join(t.TempDir(), "notify.sock")
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatalf("listen on notify socket: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	t.Setenv("NOTIFY_SOCKET", path)
	return c
}

// nextDatagram waits up to datagramWait for one notification.
func nextDatagram(t *testing.T, c *net.UnixConn) string {
	t.Helper()
	buf := make([]byte, 4096)
	if err := c.SetReadDeadline(time.Now().Add(datagramWait)); err != nil {
		t.Fatal(err)
	}
	n, _, err := c.ReadFrom(buf)
	if err != nil {
		t.Fatalf("no notification within %v: %v", datagramWait, err)
	}
	return string(buf[:n])
}

// queued returns the notifications already queued, without waiting.
func queued(t *testing.T, c *net.UnixConn) []string {
	t.Helper()
	raw, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	buf := make([]byte, 4096)
	for {
		var n int
		var rerr error
		if err := raw.Read(func(fd uintptr) bool {
			n, _, rerr = unix.Recvfrom(int(fd), buf, unix.MSG_DONTWAIT)
			return true
		}); err != nil {
			t.Fatal(err)
		}
		if errors.Is(rerr, unix.EAGAIN) {
			return got
		}
		if rerr != nil {
			t.Fatalf("recv: %v", rerr)
		}
		got = append(got, string(buf[:n]))
	}
}

func TestNotifyStates(t *testing.T) {
	c := notifySocket(t)
	if err := Ready(); err != nil {
		t.Fatal(err)
	}
	if got := nextDatagram(t, c); got != "READY=1" {
		t.Errorf("Ready sent %q", got)
	}
	if err := Reloading(); err != nil {
		t.Fatal(err)
	}
	got := nextDatagram(t, c)
	lines := strings.Split(got, "\n")
	if len(lines) != 2 || lines[0] != "RELOADING=1" || !strings.HasPrefix(lines[1], "MONOTONIC_USEC=") {
		t.Errorf("Reloading sent %q", got)
	} else if us, err := strconv.ParseInt(strings.TrimPrefix(lines[1], "MONOTONIC_USEC="), 10, 64); err != nil || us <= 0 {
		t.Errorf("MONOTONIC_USEC in %q is not a positive number", got)
	}
	if err := Stopping(); err != nil {
		t.Fatal(err)
	}
	if got := nextDatagram(t, c); got != "STOPPING=1" {
		t.Errorf("Stopping sent %q", got)
	}
}

func TestNotifyOutsideSystemd(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", "")
	for name, f := range map[string]func() error{"Ready": Ready, "Stopping": Stopping, "Reloading": Reloading} {
		if err := f(); err != nil {
			t.Errorf("%s without NOTIFY_SOCKET: %v", name, err)
		}
	}
}

func TestWatchdogPingsOnlyWhileHealthy(t *testing.T) {
	c := notifySocket(t)
	t.Setenv("WATCHDOG_USEC", "100000") // pings every 50ms
	t.Setenv("WATCHDOG_PID", strconv.Itoa(os.Getpid()))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// Each health call reports whether it failed and waits for the test to
	// take that report, so the test knows exactly where the loop is.
	var failing atomic.Bool
	calls := make(chan bool)
	health := func(context.Context) error {
		f := failing.Load()
		select {
		case calls <- f:
		case <-ctx.Done():
		}
		if f {
			return errors.New("database wedged")
		}
		return nil
	}
	call := func() bool {
		t.Helper()
		select {
		case f := <-calls:
			return f
		case <-ctx.Done():
			t.Fatal("health check not called")
			return false
		}
	}

	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		Watchdog(ctx, health, slog.New(slog.DiscardHandler))
	}()
	defer wg.Wait()
	defer cancel()

	for range 2 {
		call()
		if got := nextDatagram(t, c); got != "WATCHDOG=1" {
			t.Fatalf("healthy: got %q, want WATCHDOG=1", got)
		}
	}

	failing.Store(true)
	for !call() {
		// A ping follows each healthy call still in flight.
	}
	queued(t, c) // pings of healthy calls, all sent before this failing call
	for range 3 {
		call()
	}
	if got := queued(t, c); len(got) != 0 {
		t.Fatalf("pinged while the health check failed: %q", got)
	}

	failing.Store(false)
	for call() {
	}
	if got := nextDatagram(t, c); got != "WATCHDOG=1" {
		t.Fatalf("recovered: got %q, want WATCHDOG=1", got)
	}
}

func TestWatchdogDisabled(t *testing.T) {
	t.Setenv("WATCHDOG_USEC", "")
	done := make(chan struct{})
	go func() {
		Watchdog(context.Background(), func(context.Context) error { return nil }, slog.New(slog.DiscardHandler))
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(datagramWait):
		t.Fatal("Watchdog without WATCHDOG_USEC did not return")
	}
}
