package apptest

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/cli"
)

// demoWait bounds the demo's start (TLS issuance, database, SFU).
const demoWait = 60 * time.Second

// Demo is `buergerbuero demo` running in-process, as README command 1
// starts it.
type Demo struct {
	// URL is the citizen URL the demo printed.
	URL string
	// Addr is the --addr it was started with.
	Addr string
	// DataDir holds its database and its local CA (tls/ca/root.pem).
	DataDir string
	// Summary is what the demo had printed when /healthz first said 200.
	Summary string
	// RootPEM is the demo CA's root certificate.
	RootPEM []byte

	out    *syncBuffer
	stop   context.CancelFunc
	exited chan struct{}
	code   int
}

// StartDemo runs the demo subcommand on addr (e.g. "127.0.0.1:PORT") and
// returns once its /healthz answers 200, recording what it had printed by
// then. It stops the demo when the test ends.
func StartDemo(t testing.TB, addr string) *Demo {
	t.Helper()
	d := &Demo{Addr: addr, DataDir: t.TempDir(), out: &syncBuffer{}, exited: make(chan struct{})}
	ctx, stop := context.WithCancel(context.Background())
	d.stop = stop
	go func() {
		defer close(d.exited)
		d.code = cli.Main(ctx, []string{"demo", "--addr", addr, "--data", d.DataDir}, d.out, os.Stderr)
	}()
	t.Cleanup(d.Stop)
	// until the demo's CA exists there is nothing to verify against; the
	// probe only asks whether the demo says it is healthy
	probe := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	deadline := time.Now().Add(demoWait)
	for {
		res, err := probe.Get("https://" + addr + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				break
			}
		}
		select {
		case <-d.exited:
			t.Fatalf("demo exited with %d before it was healthy:\n%s", d.code, d.out.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("demo not healthy within %s (last error %v):\n%s", demoWait, err, d.out.String())
		}
	}
	d.Summary = d.out.String()
	if m := regexp.MustCompile(`Citizens:\s+(\S+)/`).FindStringSubmatch(d.Summary); m != nil {
		d.URL = m[1]
	}
	root, err := os.ReadFile(filepath.Join(d.DataDir, "tls", "ca", "root.pem"))
	if err != nil {
		t.Fatal(err)
	}
	d.RootPEM = root
	return d
}

// Password returns the password the demo printed for login, or "".
func (d *Demo) Password(login string) string {
	m := regexp.MustCompile(`(?m)^\s+` + regexp.QuoteMeta(login) + `\s.*?\s(\S+)\s+\(`).FindStringSubmatch(d.Summary)
	if m == nil {
		return ""
	}
	return m[1]
}

// TLSConfig trusts the demo's CA and checks the certificate for name.
func (d *Demo) TLSConfig(name string) *tls.Config {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(d.RootPEM)
	return &tls.Config{RootCAs: pool, ServerName: name}
}

// Client trusts the demo's CA.
func (d *Demo) Client() *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: d.TLSConfig("")}}
}

// Stop ends the demo (like Ctrl+C) and waits for it to exit.
func (d *Demo) Stop() {
	d.stop()
	select {
	case <-d.exited:
	case <-time.After(demoWait):
	}
}

// syncBuffer is an io.Writer safe for the demo goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
