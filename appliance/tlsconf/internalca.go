package tlsconf

import (
	"bytes"
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

// Keys of the internal CA in the certificate storage: under the storage
// directory these are the files ca/root.pem and ca/root.key, where a
// single node has always kept them; in the shared storage every node
// reads the same root, so the nodes form one CA.
const (
	caCertKey = "ca/root.pem"
	caKeyKey  = "ca/root.key"
	caLock    = "buergerbuero_internal_ca"
)

// loadOrCreateCA reads the root from st, creating it on first start. The
// first node on a shared storage brings the root of its storage directory
// (legacyDir) along if it has one, so browsers that trust a single node's
// root go on trusting the cluster.
func loadOrCreateCA(ctx context.Context, st certmagic.Storage, legacyDir string, lifetime time.Duration) (*localCA, error) {
	certPEM, keyPEM, err := loadCA(ctx, st)
	if errors.Is(err, fs.ErrNotExist) {
		// one node creates the root; the others wait and then read it
		if err := st.Lock(ctx, caLock); err != nil {
			return nil, fmt.Errorf("internal CA: lock: %w", err)
		}
		certPEM, keyPEM, err = loadCA(ctx, st)
		if errors.Is(err, fs.ErrNotExist) {
			certPEM, keyPEM, err = legacyCA(legacyDir)
			if errors.Is(err, fs.ErrNotExist) {
				certPEM, keyPEM, err = createCA()
			}
			if err == nil {
				err = storeCA(ctx, st, certPEM, keyPEM)
			}
		}
		if uerr := st.Unlock(context.WithoutCancel(ctx), caLock); uerr != nil && err == nil {
			err = uerr
		}
	}
	if err != nil {
		return nil, fmt.Errorf("internal CA: %w", err)
	}
	cb, _ := pem.Decode(certPEM)
	kb, _ := pem.Decode(keyPEM)
	if cb == nil || kb == nil {
		return nil, fmt.Errorf("internal CA: %s or %s is not PEM", caCertKey, caKeyKey)
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, fmt.Errorf("internal CA: parse %s: %w", caCertKey, err)
	}
	key, err := x509.ParseECPrivateKey(kb.Bytes)
	if err != nil {
		return nil, fmt.Errorf("internal CA: parse %s: %w", caKeyKey, err)
	}
	if !key.PublicKey.Equal(cert.PublicKey) {
		return nil, fmt.Errorf("internal CA: %s does not belong to %s", caKeyKey, caCertKey)
	}
	return &localCA{cert: cert, certPEM: certPEM, key: key, lifetime: lifetime}, nil
}

func loadCA(ctx context.Context, st certmagic.Storage) (certPEM, keyPEM []byte, err error) {
	if certPEM, err = st.Load(ctx, caCertKey); err != nil {
		return nil, nil, err
	}
	if keyPEM, err = st.Load(ctx, caKeyKey); err != nil {
		return nil, nil, err
	}
	return certPEM, keyPEM, nil
}

// storeCA stores the key before the certificate: a root certificate is
// only ever found with its key.
func storeCA(ctx context.Context, st certmagic.Storage, certPEM, keyPEM []byte) error {
	if err := st.Store(ctx, caKeyKey, keyPEM); err != nil {
		return fmt.Errorf("store root key: %w", err)
	}
	if err := st.Store(ctx, caCertKey, certPEM); err != nil {
		return fmt.Errorf("store root: %w", err)
	}
	return nil
}

// legacyCA reads a root from the files of a storage directory; both
// files missing is fs.ErrNotExist.
func legacyCA(dir string) (certPEM, keyPEM []byte, err error) {
	if dir == "" {
		return nil, nil, fs.ErrNotExist
	}
	fst := &certmagic.FileStorage{Path: dir}
	if certPEM, err = os.ReadFile(fst.Filename(caCertKey)); err != nil {
		return nil, nil, err
	}
	if keyPEM, err = os.ReadFile(fst.Filename(caKeyKey)); err != nil {
		return nil, nil, fmt.Errorf("root without its key: %w", err)
	}
	return certPEM, keyPEM, nil
}

func createCA() (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("generate key: %w", err)
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
		return nil, nil, fmt.Errorf("create root: %w", err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), nil
}

// writeRootFile keeps the root certificate (public) at
// <storage_dir>/ca/root.pem on a node whose storage is the database, where
// operators and the documentation look for it to import into browsers. A
// different root of the node's own (it joined a cluster that had a CA
// already) is kept as root.pem.replaced with its key, so the directory
// never pairs the cluster's root with another root's key.
func writeRootFile(dir string, certPEM []byte) error {
	fst := &certmagic.FileStorage{Path: dir}
	certFile, keyFile := fst.Filename(caCertKey), fst.Filename(caKeyKey)
	if err := os.MkdirAll(filepath.Dir(certFile), 0o700); err != nil {
		return err
	}
	if old, err := os.ReadFile(certFile); err == nil && !bytes.Equal(old, certPEM) {
		if err := os.Rename(keyFile, keyFile+".replaced"); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		if err := os.Rename(certFile, certFile+".replaced"); err != nil {
			return err
		}
	}
	return os.WriteFile(certFile, certPEM, 0o644)
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
