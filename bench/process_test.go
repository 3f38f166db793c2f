package bench

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
)

// rss returns a process's resident set size in bytes.
func rss(b *testing.B, pid int) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			var kb int64
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), &kb)
			return kb * 1024
		}
	}
	b.Fatal("no VmRSS")
	return 0
}

// goMem reads the server's Go memory figures from its metrics endpoint.
func goMem(p *apptest.Process) map[string]float64 {
	m := map[string]float64{}
	for _, line := range strings.Split(p.MetricsText(), "\n") {
		var v float64
		if f := strings.Fields(line); len(f) == 2 && strings.HasPrefix(f[0], "go_") {
			if _, err := fmt.Sscan(f[1], &v); err == nil {
				m[f[0]] = v
			}
		}
	}
	return m
}

// perfRecord samples every CPU with Linux perf (call graphs) while the
// measured part runs, when the environment variable names an output file:
// it shows how the time splits between the server's encode and write and
// the clients' read and TLS decode on the same cores.
func perfRecord(b *testing.B, env string) (stop func()) {
	out := os.Getenv(env)
	if out == "" {
		return func() {}
	}
	cmd := exec.Command("perf", "record", "-a", "-g", "-F", "2999", "-o", out)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatalf("perf: %v", err)
	}
	return func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	}
}

// procCPU is a process's user + system CPU time so far.
func procCPU(b *testing.B, pid int) time.Duration {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	// the fields after the command name, which ends with ")"; utime and
	// stime are the 14th and 15th, in clock ticks (100 per second)
	f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
	var ut, st int64
	fmt.Sscan(f[11], &ut)
	fmt.Sscan(f[12], &st)
	return time.Duration(ut+st) * 10 * time.Millisecond
}

// selfCPU is this process's (the clients') user + system CPU time so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
