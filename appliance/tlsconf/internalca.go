package tlsconf

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/caddyserver/certmagic"
)

// localCA is the issuer of mode "internal": a root kept in the storage
// directory signs short-lived leaf certificates, which certmagic stores and
// renews like ACME ones. Browsers trust it only after an operator imports
// the root (RootPEM); it is meant for the demo and air-gapped sites.
type localCA struct {
	cert     *x509.Certificate
	certPEM  []byte
	key      *ecdsa.PrivateKey
	lifetime time.Duration
	// names (tls.domains) go into every leaf besides the CSR's own name:
	// certmagic keeps one certificate per name and serves the one for the
	// connection's address when a client sends no SNI (an IP URL), so a
	// leaf for 127.0.0.1 alone would fail a client that checks ::1 or
	// localhost on the same socket.
	names []string
}

var _ certmagic.Issuer = (*localCA)(nil)

const rootLifetime = 10 * 365 * 24 * time.Hour

// loadOrCreateCA reads the root from dir, creating it on first start.
func loadOrCreateCA(dir string, lifetime time.Duration) (*localCA, error) {
	certPath, keyPath := filepath.Join(dir, "root.pem"), filepath.Join(dir, "root.key")
	certPEM, err := os.ReadFile(certPath)
	if errors.Is(err, fs.ErrNotExist) {
		if err := createCA(dir, certPath, keyPath); err != nil {
			return nil, err
		}
		certPEM, err = os.ReadFile(certPath)
	}
	if err != nil {
		return nil, fmt.Errorf("internal CA: read root: %w", err)
	}
	keyPEM, err := os.ReadFile(keyPath)
	if err != nil {
		return nil, fmt.Errorf("internal CA: read root key: %w", err)
	}
	cb, _ := pem.Decode(certPEM)
	kb, _ := pem.Decode(keyPEM)
	if cb == nil || kb == nil {
		return nil, fmt.Errorf("internal CA: %s or %s is not PEM", certPath, keyPath)
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, fmt.Errorf("internal CA: parse %s: %w", certPath, err)
	}
	key, err := x509.ParseECPrivateKey(kb.Bytes)
	if err != nil {
		return nil, fmt.Errorf("internal CA: parse %s: %w", keyPath, err)
	}
	return &localCA{cert: cert, certPEM: certPEM, key: key, lifetime: lifetime}, nil
}

func createCA(dir, certPath, keyPath string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("internal CA: %w", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("internal CA: generate key: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          randomSerial(),
		Subject:               pkix.Name{CommonName: "Virtuelles Bürgerbüro Local CA " + now.UTC().Format("2006-01-02"), Organization: []string{"buergerbuero"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(rootLifetime),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return fmt.Errorf("internal CA: create root: %w", err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return fmt.Errorf("internal CA: %w", err)
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		return fmt.Errorf("internal CA: write key: %w", err)
	}
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return fmt.Errorf("internal CA: write root: %w", err)
	}
	return nil
}

// Issue signs a leaf for the names in the CSR.
func (ca *localCA) Issue(_ context.Context, csr *x509.CertificateRequest) (*certmagic.IssuedCertificate, error) {
	if err := csr.CheckSignature(); err != nil {
		return nil, fmt.Errorf("internal CA: CSR signature: %w", err)
	}
	now := time.Now()
	cn := ""
	if len(csr.DNSNames) > 0 {
		cn = csr.DNSNames[0]
	} else if len(csr.IPAddresses) > 0 {
		cn = csr.IPAddresses[0].String()
	}
	dns, ips := append([]string(nil), csr.DNSNames...), append([]net.IP(nil), csr.IPAddresses...)
	for _, n := range ca.names {
		if ip := net.ParseIP(n); ip != nil {
			if !slices.ContainsFunc(ips, ip.Equal) {
				ips = append(ips, ip)
			}
		} else if !slices.Contains(dns, n) {
			dns = append(dns, n)
		}
	}
	tmpl := &x509.Certificate{
		SerialNumber: randomSerial(),
		Subject:      pkix.Name{CommonName: cn},
		DNSNames:     dns,
		IPAddresses:  ips,
		NotBefore:    now.Add(-time.Minute),
		NotAfter:     now.Add(ca.lifetime),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, csr.PublicKey, ca.key)
	if err != nil {
		return nil, fmt.Errorf("internal CA: sign %v: %w", csr.DNSNames, err)
	}
	chain := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), ca.certPEM...)
	return &certmagic.IssuedCertificate{Certificate: chain}, nil
}

// IssuerKey names the storage folder of the certificates this CA issues.
func (ca *localCA) IssuerKey() string { return "buergerbuero-internal" }

func randomSerial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err)) // cannot happen on Linux
	}
	return n.Add(n, big.NewInt(1))
}
