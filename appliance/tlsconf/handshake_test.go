package tlsconf

import (
	"context"
	"crypto/tls"
	"io"
	"log"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/buergerbuero/buergerbuero/appliance/config"
)

func slogDiscard() *log.Logger { return log.New(io.Discard, "", 0) }

// filesServer serves a fresh self-signed certificate through a Manager in
// mode files and returns the address and the certificate.
func filesServer(t *testing.T, rsaKey bool) (addr string, cert tls.Certificate) {
	t.Helper()
	dir := t.TempDir()
	c, k := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writeKeyPair(t, c, k, rsaKey, "127.0.0.1")
	m, err := New(context.Background(), config.TLS{Mode: ModeFiles, CertFile: c, KeyFile: k}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	cert, err = tls.LoadX509KeyPair(c, k)
	if err != nil {
		t.Fatal(err)
	}
	return serveHTTPS(t, m.TLSConfig()), cert
}

// TestHandshakePolicy checks the BSI TR-02102-2 profile against a Go client
// that offers exactly one version or suite. Every refusal is paired with a
// control server that accepts the same client, which proves that the client
// really offered what the appliance refused.
func TestHandshakePolicy(t *testing.T) {
	ecAddr, ecCert := filesServer(t, false)
	rsaAddr, rsaCert := filesServer(t, true)
	control := func(cert tls.Certificate, suite uint16) string {
		cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS10}
		if suite != 0 {
			cfg.CipherSuites = []uint16{suite}
		}
		return serveHTTPS(t, cfg)
	}
	client := func(minV, maxV uint16, suite uint16) *tls.Config {
		c := &tls.Config{InsecureSkipVerify: true, MinVersion: minV, MaxVersion: maxV} // the policy, not the chain, is under test
		if suite != 0 {
			c.CipherSuites = []uint16{suite}
		}
		return c
	}

	t.Run("refused", func(t *testing.T) {
		type tc struct {
			name    string
			client  *tls.Config
			rsa     bool
			control uint16
		}
		cases := []tc{
			{name: "TLS 1.0", client: client(tls.VersionTLS10, tls.VersionTLS10, 0)},
			{name: "TLS 1.1", client: client(tls.VersionTLS11, tls.VersionTLS11, 0)},
			{name: "TLS 1.0 RSA", client: client(tls.VersionTLS10, tls.VersionTLS10, 0), rsa: true},
			{name: "TLS 1.1 RSA", client: client(tls.VersionTLS11, tls.VersionTLS11, 0), rsa: true},
		}
		var suites []*tls.CipherSuite
		suites = append(suites, tls.CipherSuites()...)
		suites = append(suites, tls.InsecureCipherSuites()...)
		for _, s := range suites {
			// Everything outside the profile: CBC, RC4, 3DES, RSA key
			// exchange (also with GCM) and ChaCha20, which the TR omits.
			if slices.Contains(cipherSuitesTLS12, s.ID) || !slices.Contains(s.SupportedVersions, tls.VersionTLS12) {
				continue
			}
			cases = append(cases, tc{name: s.Name, client: client(tls.VersionTLS12, tls.VersionTLS12, s.ID), rsa: !strings.Contains(s.Name, "ECDSA"), control: s.ID})
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				addr, cert := ecAddr, ecCert
				if c.rsa {
					addr, cert = rsaAddr, rsaCert
				}
				if _, err := handshake(control(cert, c.control), c.client); err != nil {
					t.Fatalf("control server refused too, so the client did not offer it: %v", err)
				}
				if st, err := handshake(addr, c.client); err == nil {
					t.Errorf("appliance accepted %s with %s", tls.VersionName(st.Version), tls.CipherSuiteName(st.CipherSuite))
				}
			})
		}
	})

	t.Run("accepted", func(t *testing.T) {
		cases := []struct {
			name    string
			addr    string
			client  *tls.Config
			version uint16
		}{
			{"TLS 1.3", ecAddr, client(tls.VersionTLS13, tls.VersionTLS13, 0), tls.VersionTLS13},
			{"ECDHE-ECDSA-AES128-GCM", ecAddr, client(tls.VersionTLS12, tls.VersionTLS12, tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256), tls.VersionTLS12},
			{"ECDHE-ECDSA-AES256-GCM", ecAddr, client(tls.VersionTLS12, tls.VersionTLS12, tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384), tls.VersionTLS12},
			{"ECDHE-RSA-AES128-GCM", rsaAddr, client(tls.VersionTLS12, tls.VersionTLS12, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256), tls.VersionTLS12},
			{"ECDHE-RSA-AES256-GCM", rsaAddr, client(tls.VersionTLS12, tls.VersionTLS12, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384), tls.VersionTLS12},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				st, err := handshake(c.addr, c.client)
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if st.Version != c.version {
					t.Errorf("negotiated %s", tls.VersionName(st.Version))
				}
			})
		}
	})

	t.Run("curves", func(t *testing.T) {
		for _, c := range []struct {
			curve tls.CurveID
			ok    bool
		}{{tls.X25519, true}, {tls.CurveP256, true}, {tls.CurveP384, true}, {tls.CurveP521, false}} {
			for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
				cfg := client(v, v, 0)
				cfg.CurvePreferences = []tls.CurveID{c.curve}
				_, err := handshake(ecAddr, cfg)
				if (err == nil) != c.ok {
					t.Errorf("%s over %s: err=%v, want accepted=%v", c.curve, tls.VersionName(v), err, c.ok)
				}
			}
		}
	})
}
