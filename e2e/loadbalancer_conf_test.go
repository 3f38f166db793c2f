package e2e

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/csv"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
	"github.com/buergerbuero/buergerbuero/appliance/config"
)

// The load balancer configurations of docs/operations.md, taken from the
// document as written, with only the addresses, ports and certificate
// paths changed for loopback; the nodes behind them run as the document
// says (tls.mode off, the load balancer in http.trusted_proxies).

// docNodes are the node addresses the documented examples use, in order.
var docNodes = []string{"10.0.0.11:8080", "10.0.0.12:8080", "10.0.0.13:8080"}

// lbBinary is the path of a Debian load balancer's binary; the test fails
// with the install line when it is missing (scripts/test installs it).
func lbBinary(t *testing.T, name string) string {
	t.Helper()
	path := "/usr/sbin/" + name
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("%s not found: install Debian's %s (apt-get install -y %s; scripts/test does this)", path, name, name)
	}
	return path
}

// docBlock is the fenced block after the line `marker` in
// docs/operations.md.
func docBlock(t *testing.T, marker string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "docs", "operations.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(b), "\n"+marker+"\n\n```\n")
	if !ok {
		t.Fatalf("docs/operations.md has no fenced block after %q", marker)
	}
	block, _, ok := strings.Cut(after, "\n```\n")
	if !ok {
		t.Fatalf("the block after %q in docs/operations.md is not closed", marker)
	}
	return block + "\n"
}

// rewrite replaces each old string of the documented text by its loopback
// counterpart; every old string must occur, so the test notices when the
// document changes under it.
func rewrite(t *testing.T, text string, pairs ...string) string {
	t.Helper()
	for i := 0; i < len(pairs); i += 2 {
		if !strings.Contains(text, pairs[i]) {
			t.Fatalf("the documented configuration no longer contains %q", pairs[i])
		}
		text = strings.ReplaceAll(text, pairs[i], pairs[i+1])
	}
	return text
}

// nodeRewrites maps the documented node addresses to the test's nodes.
func nodeRewrites(nodes []*lbNode) []string {
	var out []string
	for i, n := range nodes {
		out = append(out, docNodes[i], n.addr)
	}
	return out
}

// lbCert is a throw-away certificate for the load balancer's front.
type lbCert struct {
	certFile, keyFile, bundle string // PEM files: certificate, key, both (HAProxy)
	certPEM                   []byte
	tls                       *tls.Config
}

func newLBCert(t *testing.T, dir string) *lbCert {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "termine.kreis.de"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true,
		DNSNames: []string{"termine.kreis.de", "media-a.termine.kreis.de"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})
	c := &lbCert{certFile: filepath.Join(dir, "lb.crt"), keyFile: filepath.Join(dir, "lb.key"), bundle: filepath.Join(dir, "lb.pem"), certPEM: certPEM}
	for f, b := range map[string][]byte{c.certFile: certPEM, c.keyFile: keyPEM, c.bundle: append(append([]byte{}, certPEM...), keyPEM...)} {
		if err := os.WriteFile(f, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	c.tls = &tls.Config{RootCAs: pool}
	return c
}

// lbNode is a `buergerbuero serve` process behind the load balancer:
// plain HTTP on its own loopback port, site.public_url the front.
type lbNode struct {
	addr string
	cmd  *exec.Cmd
}

// startLBNodes starts n nodes on one PostgreSQL database as the document
// describes them, with the clerks anna and ben.
func startLBNodes(t *testing.T, dsn, front string, n int) []*lbNode {
	t.Helper()
	var out []*lbNode
	for i := range n {
		cfg := apptest.ServeConfig(t)
		cfg.Store.Driver, cfg.Store.DSN = "postgres", dsn
		cfg.Site.PublicURL = "https://" + front
		cfg.TLS.Mode, cfg.TLS.Domains = "off", nil
		cfg.HTTP.TrustedProxies = []string{"127.0.0.1/32"}
		if i == 0 {
			addClerkOn(t, cfg, "anna", "anna-passwort-123")
			addClerkOn(t, cfg, "ben", "ben-passwort-1234")
		}
		out = append(out, startLBNode(t, cfg))
	}
	return out
}

func startLBNode(t *testing.T, cfg *config.Config) *lbNode {
	t.Helper()
	b, err := config.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	n := &lbNode{addr: cfg.HTTP.Listen, cmd: exec.Command(apptest.Binary(t), "serve", "--config", path)}
	n.cmd.Stderr = os.Stderr
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.kill)
	waitFor(t, 30*time.Second, "node "+n.addr+" ready", func() bool { return getStatus(http.DefaultClient, "http://"+n.addr+"/readyz") == 200 })
	return n
}

// kill sends SIGKILL: no shutdown code runs.
func (n *lbNode) kill() {
	if n.cmd.ProcessState == nil {
		n.cmd.Process.Kill()
		n.cmd.Wait()
	}
}

func getStatus(hc *http.Client, u string) int {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", u, nil)
	res, err := hc.Do(req)
	if err != nil {
		return 0
	}
	res.Body.Close()
	return res.StatusCode
}

// runLB runs a load balancer in the foreground until the test ends.
func runLB(t *testing.T, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// SIGTERM: nginx's master stops its workers (SIGKILL would orphan them)
		cmd.Process.Signal(syscall.SIGTERM)
		stopped := make(chan struct{})
		go func() { cmd.Wait(); close(stopped) }()
		select {
		case <-stopped:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-stopped
		}
	})
}

// front is a client of the load balancer's address, with its own cookie
// jar, as one browser keeps it.
func frontClient(t *testing.T, base string, c *lbCert) *apiClient {
	jar, _ := cookiejar.New(nil)
	return &apiClient{t: t, base: base, http: &http.Client{Timeout: 10 * time.Second, Jar: jar, Transport: &http.Transport{TLSClientConfig: c.tls}}}
}

// haproxyStats reads `show stat` from HAProxy's stats socket: the
// backend's servers by name, each a map of the CSV's columns.
func haproxyStats(t *testing.T, sock, backend string) map[string]map[string]string {
	t.Helper()
	conn, err := net.DialTimeout("unix", sock, 2*time.Second)
	if err != nil {
		t.Fatalf("HAProxy's stats socket: %v", err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Write([]byte("show stat\n")); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(conn)
	head, err := r.ReadString('\n')
	if err != nil {
		t.Fatalf("show stat: %v", err)
	}
	cols := strings.Split(strings.TrimPrefix(strings.TrimSpace(head), "# "), ",")
	rows, err := csv.NewReader(r).ReadAll()
	if err != nil {
		t.Fatalf("show stat: %v", err)
	}
	out := map[string]map[string]string{}
	for _, row := range rows {
		if len(row) < len(cols)-1 || row[0] != backend || row[1] == "BACKEND" || row[1] == "FRONTEND" {
			continue
		}
		m := map[string]string{}
		for i, c := range cols {
			if i < len(row) {
				m[c] = row[i]
			}
		}
		out[row[1]] = m
	}
	return out
}

// currentSessions is HAProxy's count of open sessions (here: WebSockets)
// per server of the backend nodes, servers with none left out.
func currentSessions(t *testing.T, sock string) map[string]int {
	out := map[string]int{}
	for s, row := range haproxyStats(t, sock, "nodes") {
		if n, _ := strconv.Atoi(row["scur"]); n > 0 {
			out[s] = n
		}
	}
	return out
}

// requestsPerServer is HAProxy's count of HTTP requests per server of the
// backend nodes.
func requestsPerServer(t *testing.T, sock string) map[string]int {
	out := map[string]int{}
	for s, row := range haproxyStats(t, sock, "nodes") {
		out[s], _ = strconv.Atoi(row["stot"])
	}
	return out
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
