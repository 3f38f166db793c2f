package tlsconf

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// fileCert serves the certificate of mode "files" and replaces it when the
// files change, so that a county's renewed certificate takes effect without
// a restart. A half-written pair (new certificate, old key) does not
// validate and is ignored until both files agree.
type fileCert struct {
	certFile, keyFile string
	log               *slog.Logger

	cur atomic.Pointer[tls.Certificate]

	mu       sync.Mutex // serialises reloads
	seen     [sha256.Size]byte
	rejected [sha256.Size]byte
}

func newFileCert(certFile, keyFile string, log *slog.Logger) (*fileCert, error) {
	f := &fileCert{certFile: certFile, keyFile: keyFile, log: log}
	if _, err := f.reload(); err != nil {
		return nil, err
	}
	return f, nil
}

func (f *fileCert) get(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return f.cur.Load(), nil
}

// reload reads both files and swaps the certificate when they changed and
// form a valid pair. It reports whether the certificate was replaced.
func (f *fileCert) reload() (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	certPEM, err := os.ReadFile(f.certFile)
	if err != nil {
		return false, fmt.Errorf("tls.cert_file: %w", err)
	}
	keyPEM, err := os.ReadFile(f.keyFile)
	if err != nil {
		return false, fmt.Errorf("tls.key_file: %w", err)
	}
	sum := sha256.Sum256(append(append(certPEM, 0), keyPEM...))
	if f.cur.Load() != nil && bytes.Equal(sum[:], f.seen[:]) {
		return false, nil
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		if !bytes.Equal(sum[:], f.rejected[:]) {
			f.rejected = sum
			return false, fmt.Errorf("tls.cert_file %s and tls.key_file %s: %w", f.certFile, f.keyFile, err)
		}
		return false, nil // already reported
	}
	f.cur.Store(&cert)
	f.seen = sum
	f.log.Info("TLS certificate loaded", "file", f.certFile, "names", cert.Leaf.DNSNames,
		"not_after", cert.Leaf.NotAfter, "serial", cert.Leaf.SerialNumber.Text(16))
	return true, nil
}

// watch reloads every interval until ctx ends. Polling (rather than inotify)
// also catches certificates replaced through symlink swaps and bind mounts.
func (f *fileCert) watch(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := f.reload(); err != nil {
				f.log.Warn("TLS certificate files changed but cannot be used; keeping the previous certificate", "error", err)
			}
		}
	}
}
