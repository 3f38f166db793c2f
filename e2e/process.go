package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/config"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds cmd/buergerbuero once per test run.
func binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "bb-e2e-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "buergerbuero")
		out, err := exec.Command("go", "build", "-o", binPath, "../cmd/buergerbuero").CombinedOutput()
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

// process is the appliance running as its own OS process.
type process struct {
	t       testing.TB
	cfgPath string
	cfg     *config.Config
	cmd     *exec.Cmd
	URL     string
}

func freePort(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func startProcess(t testing.TB, cfg *config.Config) *process {
	t.Helper()
	b, err := config.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p := &process{t: t, cfg: cfg, cfgPath: filepath.Join(t.TempDir(), "config.yaml"), URL: cfg.Site.PublicURL}
	if err := os.WriteFile(p.cfgPath, b, 0o600); err != nil {
		t.Fatal(err)
	}
	p.start()
	t.Cleanup(func() {
		if p.cmd != nil && p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			p.cmd.Wait()
		}
	})
	return p
}

func (p *process) start() {
	p.t.Helper()
	p.cmd = exec.Command(binary(p.t), "serve", "--config", p.cfgPath)
	p.cmd.Stderr = os.Stderr
	if err := p.cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	p.waitReady()
}

// waitReady polls /readyz until the process answers (it has just been
// started; there is no other signal to wait on from outside).
func (p *process) waitReady() {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), pageWait)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, "GET", p.URL+"/readyz", nil)
		res, err := p.client().Do(req)
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

func (p *process) certPEM() []byte {
	b, _ := os.ReadFile(filepath.Join(p.cfg.TLS.StorageDir, "selfsigned.crt"))
	return b
}

func (p *process) tlsConfig() *tls.Config {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(p.certPEM())
	return &tls.Config{RootCAs: pool}
}

func (p *process) client() *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: p.tlsConfig()}}
}

// kill sends SIGKILL: no shutdown code runs.
func (p *process) kill() {
	p.cmd.Process.Kill()
	p.cmd.Wait()
}
