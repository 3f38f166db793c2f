// Package clamdtest runs Debian's clamd for tests: once per test package,
// as the current user, with a signature database the helper writes itself
// (one .hdb line for the EICAR test file), because no signatures can be
// downloaded here. A test that needs it calls Addr; the package's TestMain
// calls Main so the daemon is stopped at the end. Without clamd installed
// the test fails with the install hint; it is never skipped.
package clamdtest

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Binary is Debian's clamd.
const Binary = "/usr/sbin/clamd"

// Signature is the name clamd reports for EICAR (clamd adds ".UNOFFICIAL"
// to names from databases it does not know).
const Signature = "Buergerbuero.Test.EICAR"

// startTimeout bounds clamd's start. With the one-line database it
// answers PING after 20-30 ms here (the full official database takes
// tens of seconds and about 1 GiB of memory).
const startTimeout = 30 * time.Second

// EICAR returns the anti-virus test file, assembled at run time so that
// this source file is not itself reported by scanners.
func EICAR() []byte {
	return []byte(`X5O!P%@AP[4\PZX54(P^)7CC)7}$` + "EICAR-STANDARD-" + `ANTIVIRUS-TEST-FILE!$H+H*`)
}

var (
	once    sync.Once
	addr    string
	err     error
	cmd     *exec.Cmd
	dir     string
	started time.Duration
	logs    bytes.Buffer
	exited  chan struct{} // closed when clamd has exited
)

// Addr starts clamd on first use and returns its address ("unix:/…").
func Addr(t testing.TB) string {
	t.Helper()
	once.Do(start)
	if err != nil {
		t.Fatalf("clamd: %v", err)
	}
	return addr
}

// StartTime is how long clamd took to answer PING after it was started.
func StartTime() time.Duration { return started }

// Down returns the address of a clamd that is not running.
func Down(t testing.TB) string {
	return "unix:" + filepath.Join(t.TempDir(), "no-clamd.sock")
}

// Main runs the package's tests and stops clamd afterwards; call it from
// TestMain.
func Main(m *testing.M) {
	code := m.Run()
	Stop()
	os.Exit(code)
}

// Stop ends clamd if it runs.
func Stop() {
	if exited != nil {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	}
	if dir != "" {
		os.RemoveAll(dir)
	}
}

func start() {
	if _, e := os.Stat(Binary); e != nil {
		err = fmt.Errorf("%s not found: install Debian's clamav-daemon (apt-get install clamav-daemon; scripts/test does this)", Binary)
		return
	}
	// short path: a Unix socket path has at most 107 bytes
	dir, err = os.MkdirTemp("", "clamd")
	if err != nil {
		return
	}
	db := filepath.Join(dir, "db")
	sock := filepath.Join(dir, "clamd.sock")
	eicar := EICAR()
	sum := md5.Sum(eicar)
	files := map[string]string{
		filepath.Join(db, "test.hdb"): fmt.Sprintf("%s:%d:%s\n", hex.EncodeToString(sum[:]), len(eicar), Signature),
		filepath.Join(dir, "clamd.conf"): fmt.Sprintf("LocalSocket %s\nDatabaseDirectory %s\nTemporaryDirectory %s\nForeground yes\nBytecode no\nStreamMaxLength 110M\nMaxThreads 4\nLogVerbose no\n",
			sock, db, dir),
	}
	if err = os.Mkdir(db, 0o700); err != nil {
		return
	}
	for name, body := range files {
		if err = os.WriteFile(name, []byte(body), 0o600); err != nil {
			return
		}
	}
	cmd = exec.Command(Binary, "--config-file="+filepath.Join(dir, "clamd.conf"))
	cmd.Stdout, cmd.Stderr = &logs, &logs
	// the daemon ends with the test binary, even if Stop is never called
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	t0 := time.Now()
	if err = cmd.Start(); err != nil {
		return
	}
	exited = make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	deadline := time.Now().Add(startTimeout)
	for {
		if ping(sock) == nil {
			started = time.Since(t0)
			addr = "unix:" + sock
			return
		}
		select {
		case <-exited:
			err = fmt.Errorf("clamd exited at start: %s", logs.String())
			return
		case <-time.After(20 * time.Millisecond): // poll the socket: clamd has no readiness signal
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			<-exited
			err = fmt.Errorf("clamd did not answer PING within %v: %s", startTimeout, logs.String())
			return
		}
	}
}

func ping(sock string) error {
	c, err := net.DialTimeout("unix", sock, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write([]byte("zPING\x00")); err != nil {
		return err
	}
	b, err := bufio.NewReader(c).ReadBytes(0)
	if err != nil {
		return err
	}
	if string(bytes.TrimRight(b, "\x00")) != "PONG" {
		return fmt.Errorf("ping answered %q", b)
	}
	return nil
}
