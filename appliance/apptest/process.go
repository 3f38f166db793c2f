package apptest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/config"
	"github.com/buergerbuero/buergerbuero/internal/freeport"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// Binary builds cmd/buergerbuero once per test run and returns its path.
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "bb-e2e-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "buergerbuero")
		out, err := exec.Command("go", "build", "-tags", "goolm", "-o", binPath, "github.com/buergerbuero/buergerbuero/cmd/buergerbuero").CombinedOutput()
		if err != nil {
			buildErr = &buildError{err, string(out)}
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return e.err.Error() + ": " + e.out }

// Process is the appliance running as its own OS process.
type Process struct {
	t       testing.TB
	cfgPath string
	cfg     *config.Config
	cmd     *exec.Cmd
	URL     string
}

// FreePort returns a loopback address that was free a moment ago and was not
// handed out before in this test process.
func FreePort(t testing.TB) string {
	t.Helper()
	return freeport.Addr(t)
}

// StartProcess writes cfg to a file and runs `buergerbuero serve` on it until the test ends.
func StartProcess(t testing.TB, cfg *config.Config) *Process {
	t.Helper()
	b, err := config.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p := &Process{t: t, cfg: cfg, cfgPath: filepath.Join(t.TempDir(), "config.yaml"), URL: cfg.Site.PublicURL}
	if err := os.WriteFile(p.cfgPath, b, 0o600); err != nil {
		t.Fatal(err)
	}
	p.Start()
	t.Cleanup(func() {
		if p.cmd != nil && p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			p.cmd.Wait()
		}
	})
	return p
}

// Start starts the process and waits until it is ready.
func (p *Process) Start() {
	p.t.Helper()
	p.cmd = exec.Command(Binary(p.t), "serve", "--config", p.cfgPath)
	p.cmd.Stderr = os.Stderr
	if err := p.cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	p.waitReady()
}

// waitReady polls /readyz until the process answers (it has just been
// started; there is no other signal to wait on from outside).
func (p *Process) waitReady() {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), processWait)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, "GET", p.URL+"/readyz", nil)
		res, err := p.Client().Do(req)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return
			}
		}
		select {
		case <-ctx.Done():
			p.t.Fatalf("appliance did not become ready: %v", err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// CertPEM is the self-signed certificate the process serves.
func (p *Process) CertPEM() []byte {
	// mode internal: the appliance's local CA (its root is in the served chain)
	b, _ := os.ReadFile(filepath.Join(p.cfg.TLS.StorageDir, "ca", "root.pem"))
	return b
}

// TLSConfig trusts the process's certificate.
func (p *Process) TLSConfig() *tls.Config {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(p.CertPEM())
	return &tls.Config{RootCAs: pool}
}

// Client is an HTTP client trusting the process.
func (p *Process) Client() *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: p.TLSConfig()}}
}

// Kill sends SIGKILL: no shutdown code runs.
func (p *Process) Kill() {
	p.cmd.Process.Kill()
	p.cmd.Wait()
}

// processWait is how long a started process may take to become ready.
const processWait = 30 * time.Second

// PID is the process id (for memory measurements).
func (p *Process) PID() int { return p.cmd.Process.Pid }

// MetricsText scrapes /metrics from the admin listener (http.admin_listen).
func (p *Process) MetricsText() string {
	p.t.Helper()
	res, err := http.Get("http://" + p.cfg.HTTP.AdminListen + "/metrics")
	if err != nil {
		p.t.Fatalf("scrape metrics: %v", err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}

// ServeConfig returns a production-style configuration for a daemon on a
// fresh loopback port with its data in a temporary directory: TLS from the
// internal CA, no redirect or admin listener, the media port ephemeral
// without TURN, and always-open offices (by default the Bürgerbüro "B" and
// the Bauamt "BA", both taking knocks before a clerk is on duty).
func ServeConfig(t testing.TB, offices ...config.Office) *config.Config {
	t.Helper()
	addr, data := FreePort(t), t.TempDir()
	c := config.Defaults()
	c.Site.PublicURL = "https://" + addr
	c.HTTP.Listen, c.HTTP.RedirectListen, c.HTTP.AdminListen = addr, "", ""
	c.TLS.Mode, c.TLS.StorageDir, c.TLS.Domains = "internal", filepath.Join(data, "tls"), []string{"127.0.0.1"}
	c.Store.DataDir = data
	c.Media.UDPPort, c.Media.TURN.Enabled = 0, false
	c.Reception.KnockBurst = 1000
	if len(offices) == 0 {
		offices = []config.Office{
			{ID: "buergerbuero", Name: "Bürgerbüro", Prefix: "B", Chairs: 2, Languages: []string{"de"}, Hours: AllDay(), IgnoreHolidays: true, KnocksWithoutClerk: true},
			{ID: "bauamt", Name: "Bauamt", Prefix: "BA", Chairs: 2, Languages: []string{"de"}, Hours: AllDay(), IgnoreHolidays: true, KnocksWithoutClerk: true},
		}
	}
	c.Offices = offices
	return c
}

// AddClerk creates a clerk with the admin command, as an operator would.
func AddClerk(t testing.TB, dataDir, login, password string, offices ...string) {
	t.Helper()
	cmd := exec.Command(Binary(t), "admin", "--data", dataDir, "clerk", "add", "--login", login, "--name", login, "--offices", strings.Join(offices, ","))
	cmd.Stdin = strings.NewReader(password + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("admin clerk add %s: %v: %s", login, err, out)
	}
}
