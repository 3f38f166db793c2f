package tlsconf

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/buergerbuero/buergerbuero/appliance/config"
	"github.com/buergerbuero/buergerbuero/internal/freeport"
)

const (
	acmeDomain = "buergerbuero.musterland.test"
	// certValidity is Pebble's certificate lifetime; with the renewal
	// check every second certmagic renews after about two thirds of it.
	certValidity = 15 * time.Second
	issueWait    = 90 * time.Second // first order, including account creation
	// renewWait covers one failed renewal and certmagic's retry a minute
	// later: Pebble sometimes answers a renewal that comes within a second
	// of the issue (ARI "replaces") with "could not find an order for the
	// given certificate", and a county's appliance would retry the same way
	renewWait     = 150 * time.Second
	pebbleUpWait  = 30 * time.Second
	challengePath = "/.well-known/acme-challenge/"
)

// TestACMEIssuesAndRenewsOverHTTP01 runs a real Pebble ACME server that
// validates HTTP-01 challenges against the Manager's HTTPHandler (Pebble
// resolves the domain through a DNS server in this test) and checks that the
// HTTPS listener serves the issued certificate and, after renewal of a
// short-lived certificate, a new one.
func TestACMEIssuesAndRenewsOverHTTP01(t *testing.T) {
	bin := pebbleBinary(t)

	httpLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	httpPort := httpLn.Addr().(*net.TCPAddr).Port
	dnsAddr := startDNS(t, acmeDomain)
	pb := startPebble(t, bin, httpPort, dnsAddr)

	storage := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	m, err := New(ctx, config.TLS{
		Mode: ModeACME, Domains: []string{acmeDomain},
		ACMEDirectory: pb.directory, ACMERoot: pb.listenerCert, StorageDir: storage,
	}, testLogger(t), WithHTTPChallengeAddr(httpLn.Addr().String()), withRenewCheckInterval(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)

	var challenges atomic.Int32
	h := m.HTTPHandler(nil)
	httpSrv := &http.Server{ReadHeaderTimeout: handshakeTimeout, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, challengePath) {
			challenges.Add(1)
		}
		h.ServeHTTP(w, r)
	})}
	go httpSrv.Serve(httpLn)
	t.Cleanup(func() { httpSrv.Close() })
	httpsAddr := serveHTTPS(t, m.TLSConfig())

	roots := pb.root(t)
	client := &tls.Config{ServerName: acmeDomain, RootCAs: roots}
	var first *big.Int
	eventually(t, issueWait, "certificate issued by Pebble and served", func() error {
		st, err := handshake(httpsAddr, client)
		if err != nil {
			return err
		}
		first = serialOf(st)
		return nil
	})
	if challenges.Load() == 0 {
		t.Fatal("certificate issued without an HTTP-01 challenge reaching HTTPHandler")
	}
	https := &http.Client{Timeout: handshakeTimeout, Transport: &http.Transport{
		TLSClientConfig: client,
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, httpsAddr)
		},
	}}
	resp, err := https.Get("https://" + acmeDomain + "/")
	if err != nil {
		t.Fatalf("HTTPS with the ACME certificate: %v", err)
	}
	resp.Body.Close()
	if got := expiries(t, m)[acmeDomain]; got == 0 {
		t.Error("no expiry metric for the ACME certificate")
	}

	// Plain HTTP redirects everything that is not a challenge.
	noFollow := &http.Client{Timeout: handshakeTimeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err = noFollow.Get(fmt.Sprintf("http://127.0.0.1:%d/warteraum", httpPort))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusPermanentRedirect || resp.Header.Get("Location") != "https://"+acmeDomain+"/warteraum" {
		t.Errorf("port 80: %d %q, want 308 to https", resp.StatusCode, resp.Header.Get("Location"))
	}

	validated := challenges.Load()
	eventually(t, renewWait, "renewed certificate served", func() error {
		st, err := handshake(httpsAddr, client)
		if err != nil {
			return err
		}
		if serialOf(st).Cmp(first) == 0 {
			return errors.New("still the first certificate")
		}
		return nil
	})
	if challenges.Load() <= validated {
		t.Error("renewal did not validate a new HTTP-01 challenge")
	}
	if matches, _ := filepath.Glob(filepath.Join(storage, "certificates", "*", acmeDomain, acmeDomain+".crt")); len(matches) != 1 {
		t.Errorf("certificate not kept in tls.storage_dir: %v", matches)
	}
}

// pebbleBinary builds Pebble once with scripts/tools/build.
func pebbleBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("the ACME test runs a real Pebble server; skipped under -short")
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(wd, "..", "..", "scripts", "tools", "build")
	var stderr bytes.Buffer
	cmd := exec.Command(script, "pebble")
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("cannot build the Pebble ACME server (%s pebble): %v\n%s", script, err, stderr.String())
	}
	bin := strings.TrimSpace(string(out))
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("scripts/tools/build pebble printed %q, which does not exist: %v", bin, err)
	}
	return bin
}

// startDNS answers A queries for domain with 127.0.0.1, over TCP as Pebble asks.
func startDNS(t *testing.T, domain string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{Listener: ln, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(r)
		for _, q := range r.Question {
			switch {
			case !strings.EqualFold(q.Name, dns.Fqdn(domain)):
				m.Rcode = dns.RcodeNameError
			case q.Qtype == dns.TypeA:
				m.Answer = append(m.Answer, &dns.A{Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeA, Class: dns.ClassINET}, A: net.IPv4(127, 0, 0, 1)})
			}
		}
		w.WriteMsg(m)
	})}
	go srv.ActivateAndServe()
	t.Cleanup(func() { srv.Shutdown() })
	return ln.Addr().String()
}

type pebbleServer struct {
	directory    string // ACME directory URL
	management   string // base URL of the management interface
	listenerCert string // PEM of Pebble's own HTTPS certificate (tls.acme_root)
	listenerPool *x509.CertPool
}

func startPebble(t *testing.T, bin string, httpPort int, dnsAddr string) *pebbleServer {
	t.Helper()
	dir := t.TempDir()
	certPath, keyPath := filepath.Join(dir, "pebble.pem"), filepath.Join(dir, "pebble.key")
	pool := writeKeyPair(t, certPath, keyPath, false, "127.0.0.1", "localhost")
	acmePort, mgmtPort, tlsPort := freeport.TCP(t, "127.0.0.1"), freeport.TCP(t, "127.0.0.1"), freeport.TCP(t, "127.0.0.1")
	cfg := map[string]any{"pebble": map[string]any{
		"listenAddress":           fmt.Sprintf("127.0.0.1:%d", acmePort),
		"managementListenAddress": fmt.Sprintf("127.0.0.1:%d", mgmtPort),
		"certificate":             certPath,
		"privateKey":              keyPath,
		"httpPort":                httpPort,
		"tlsPort":                 tlsPort, // unused: TLS-ALPN is disabled
		"ocspResponderURL":        "",
		"keyAlgorithm":            "ecdsa",
		"retryAfter":              map[string]int{"authz": 1, "order": 1},
		"profiles":                map[string]any{"default": map[string]any{"description": "short-lived for the renewal test", "validityPeriod": int(certValidity.Seconds())}},
	}}
	b, _ := json.Marshal(cfg)
	cfgPath := filepath.Join(dir, "pebble.json")
	if err := os.WriteFile(cfgPath, b, 0o600); err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "PEBBLE_") { // PEBBLE_VA_ALWAYS_VALID in particular: validation must be real
			env = append(env, e)
		}
	}
	cmd := exec.Command(bin, "-config", cfgPath, "-dnsserver", dnsAddr)
	cmd.Env = append(env, "PEBBLE_VA_NOSLEEP=1", "PEBBLE_WFE_NONCEREJECT=0", "PEBBLE_AUTHZREUSE=0")
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start pebble: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("pebble output:\n%s", out.String())
		}
	})
	pb := &pebbleServer{
		directory:    fmt.Sprintf("https://127.0.0.1:%d/dir", acmePort),
		management:   fmt.Sprintf("https://127.0.0.1:%d", mgmtPort),
		listenerCert: certPath,
		listenerPool: pool,
	}
	eventually(t, pebbleUpWait, "pebble serving its directory", func() error {
		_, err := pb.get(pb.directory)
		return err
	})
	return pb
}

func (pb *pebbleServer) get(url string) ([]byte, error) {
	c := &http.Client{Timeout: handshakeTimeout, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pb.listenerPool}}}
	resp, err := c.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return b, err
}

// root fetches the root of Pebble's issuing hierarchy from the management API.
func (pb *pebbleServer) root(t *testing.T) *x509.CertPool {
	t.Helper()
	b, err := pb.get(pb.management + "/roots/0")
	if err != nil {
		t.Fatalf("pebble root: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		t.Fatalf("pebble root is not PEM: %q", b)
	}
	return pool
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
