package tlsconf

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/buergerbuero/buergerbuero/appliance/config"
)

func TestFilesModeReloadsWithoutRestart(t *testing.T) {
	dir := t.TempDir()
	certPath, keyPath := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	pool := writeKeyPair(t, certPath, keyPath, false, "buergerbuero.example")
	m, err := New(context.Background(), config.TLS{Mode: ModeFiles, CertFile: certPath, KeyFile: keyPath},
		testLogger(t), withFilesPollInterval(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	addr := serveHTTPS(t, m.TLSConfig())
	client := &tls.Config{ServerName: "buergerbuero.example", RootCAs: pool}
	st, err := handshake(addr, client)
	if err != nil {
		t.Fatal(err)
	}
	first := serialOf(st)

	// A half-written update (new certificate, old key) must not replace the
	// working pair; the complete update must, without a restart.
	old, err := os.ReadFile(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	pool2 := writeKeyPair(t, certPath, keyPath, false, "buergerbuero.example")
	newKey, _ := os.ReadFile(keyPath)
	if err := os.WriteFile(keyPath, old, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := m.Reload(); err == nil || !strings.Contains(err.Error(), "tls.cert_file") {
		t.Errorf("Reload of a mismatched pair: %v, want an error naming tls.cert_file", err)
	}
	if st, err := handshake(addr, client); err != nil || serialOf(st).Cmp(first) != 0 {
		t.Fatalf("after a broken update the old certificate must still be served: %v", err)
	}
	if err := os.WriteFile(keyPath, newKey, 0o600); err != nil {
		t.Fatal(err)
	}
	client.RootCAs = pool2
	eventually(t, 10*time.Second, "new certificate served", func() error {
		st, err := handshake(addr, client)
		if err != nil {
			return err
		}
		if serialOf(st).Cmp(first) == 0 {
			return errors.New("still the old serial")
		}
		return nil
	})

	leaf := m.files.cur.Load().Leaf
	if got := expiries(t, m); len(got) != 1 || got["buergerbuero.example"] != float64(leaf.NotAfter.Unix()) {
		t.Errorf("expiry metric %v, want buergerbuero.example=%d", got, leaf.NotAfter.Unix())
	}
}

func TestInternalMode(t *testing.T) {
	dir := t.TempDir()
	cfg := config.TLS{Mode: ModeInternal, Domains: []string{"localhost", "127.0.0.1"}, StorageDir: dir}
	m, err := New(context.Background(), cfg, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(m.RootPEM()) {
		t.Fatal("RootPEM is not a certificate")
	}
	addr := serveHTTPS(t, m.TLSConfig())
	for _, name := range []string{"localhost", ""} { // "" = no SNI, as when browsing to https://127.0.0.1
		st, err := handshake(addr, &tls.Config{ServerName: name, RootCAs: pool, InsecureSkipVerify: name == ""})
		if err != nil {
			t.Fatalf("handshake with SNI %q: %v", name, err)
		}
		leaf := st.PeerCertificates[0]
		if name == "" {
			if _, err := leaf.Verify(x509.VerifyOptions{DNSName: "127.0.0.1", Roots: pool}); err != nil {
				t.Errorf("certificate without SNI does not verify for 127.0.0.1: %v", err)
			}
		}
		if k, ok := leaf.PublicKey.(*ecdsa.PublicKey); !ok || k.Curve != elliptic.P256() {
			t.Errorf("leaf key %T, want ECDSA P-256", leaf.PublicKey)
		}
	}
	if got := expiries(t, m); len(got) != 2 || got["localhost"] == 0 || got["127.0.0.1"] == 0 {
		t.Errorf("expiry metric %v, want one series per domain", got)
	}
	root := m.RootPEM()
	m.Close()

	// Restart: the same root, the stored certificate, nothing under $HOME.
	m2, err := New(context.Background(), cfg, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer m2.Close()
	if string(m2.RootPEM()) != string(root) {
		t.Error("internal CA root changed across restarts")
	}
	if _, err := os.Stat(filepath.Join(dir, "ca", "root.key")); err != nil {
		t.Errorf("root key not in storage dir: %v", err)
	}
	if matches, _ := filepath.Glob(filepath.Join(dir, "certificates", "*", "localhost", "localhost.crt")); len(matches) != 1 {
		t.Errorf("certificate not stored under %s/certificates: %v", dir, matches)
	}
}

func TestHTTPHandlerRedirects(t *testing.T) {
	m, err := New(context.Background(), config.TLS{Mode: ModeInternal, Domains: []string{"buergerbuero.example", "localhost"}, StorageDir: t.TempDir()}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	fallback := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) })
	cases := []struct{ host, path, want string }{
		{"buergerbuero.example", "/warteraum?office=bauamt", "https://buergerbuero.example/warteraum?office=bauamt"},
		{"localhost:80", "/", "https://localhost/"},
		{"evil.example", "/x", "https://buergerbuero.example/x"}, // never an open redirect
	}
	for _, c := range cases {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "http://"+c.host+c.path, nil)
		m.HTTPHandler(fallback).ServeHTTP(rec, req)
		if rec.Code != http.StatusPermanentRedirect || rec.Header().Get("Location") != c.want {
			t.Errorf("%s%s: %d %q, want 308 %q", c.host, c.path, rec.Code, rec.Header().Get("Location"), c.want)
		}
	}
	m.opts.httpsPort = 8443 // as WithHTTPSPort(8443)
	rec := httptest.NewRecorder()
	m.HTTPHandler(fallback).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://localhost/a", nil))
	if got := rec.Header().Get("Location"); got != "https://localhost:8443/a" {
		t.Errorf("with HTTPS port 8443: Location %q", got)
	}

	mOff, err := New(context.Background(), config.TLS{Mode: ModeOff}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	rec = httptest.NewRecorder()
	mOff.HTTPHandler(fallback).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://x/", nil))
	if rec.Code != http.StatusTeapot || mOff.TLSConfig() != nil {
		t.Errorf("mode off: HTTP handler must be the fallback and TLSConfig nil; got %d", rec.Code)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	for _, c := range []struct {
		cfg  config.TLS
		want string
	}{
		{config.TLS{Mode: "letsencrypt"}, "tls.mode"},
		{config.TLS{Mode: ModeInternal, Domains: []string{"localhost"}, StorageDir: "relative"}, "tls.storage_dir"},
		{config.TLS{Mode: ModeACME, StorageDir: "/tmp/x"}, "tls.domains"},
		{config.TLS{Mode: ModeFiles, CertFile: "/nonexistent.pem", KeyFile: "/nonexistent.key"}, "tls.cert_file"},
		{config.TLS{Mode: ModeACME, Domains: []string{"a.example"}, StorageDir: t.TempDir(), ACMEDirectory: "https://127.0.0.1:1/dir", ACMERoot: "/nonexistent.pem"}, "tls.acme_root"},
	} {
		_, err := New(context.Background(), c.cfg, testLogger(t))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want an error naming %s", c.cfg, err, c.want)
		}
	}
}

// expiries gathers the expiry metric through a pedantic registry (which
// also checks the metric's consistency) and returns it by domain.
func expiries(t *testing.T, m *Manager) map[string]float64 {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(m.Collector())
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != "buergerbuero_tls_certificate_expiry_timestamp_seconds" {
			t.Errorf("unexpected metric %s", mf.GetName())
		}
		for _, mt := range mf.GetMetric() {
			out[mt.GetLabel()[0].GetValue()] = mt.GetGauge().GetValue()
		}
	}
	return out
}
