// Package tlsconf owns the appliance's TLS: it obtains, stores, renews and
// serves certificates (modes acme, internal, files, off; see config.TLS),
// fixes the protocol parameters to BSI TR-02102-2, answers ACME HTTP-01
// challenges and redirects plain HTTP, and exports certificate expiry as a
// metric. It keeps all key material under config.TLS.StorageDir, or, for
// several nodes on one PostgreSQL, in the database (SharedStorage), so the
// nodes share their certificates, ACME account and internal CA. It does
// not own listeners, HTTP headers or routes: the web server does.
package tlsconf

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/caddyserver/certmagic"

	"github.com/buergerbuero/buergerbuero/appliance/config"
	"github.com/buergerbuero/buergerbuero/appliance/logging"
)

// Modes of config.TLS.Mode.
const (
	ModeACME     = "acme"
	ModeInternal = "internal"
	ModeFiles    = "files"
	ModeOff      = "off"
)

// Defaults of the tunables below; one place.
const (
	defaultFilesPoll        = 30 * time.Second
	defaultInternalLifetime = 7 * 24 * time.Hour
	defaultRenewCheck       = 10 * time.Minute
)

// Option adjusts a Manager for deployments that differ from the defaults.
type Option func(*options)

type options struct {
	challengeHost    string
	challengePort    int
	httpsPort        int
	filesPoll        time.Duration
	internalLifetime time.Duration
	renewCheck       time.Duration
	shared           CertDB
}

// WithHTTPChallengeAddr tells the ACME client where the listener serving
// HTTPHandler is, when that is not port 80 on every address (for example
// "127.0.0.1:8080" behind a port forward). The ACME client then leaves the
// challenge to HTTPHandler instead of opening its own listener.
func WithHTTPChallengeAddr(hostport string) Option {
	return func(o *options) {
		host, port, err := net.SplitHostPort(hostport)
		if p, perr := strconv.Atoi(port); err == nil && perr == nil {
			o.challengeHost, o.challengePort = host, p
		}
	}
}

// WithHTTPSPort sets the port HTTPHandler redirects to when it is not 443.
func WithHTTPSPort(port int) Option { return func(o *options) { o.httpsPort = port } }

// WithSharedStorage keeps certificates, keys, the ACME account and the
// internal CA in db instead of tls.storage_dir, for nodes that share one
// database (store.driver postgres). Modes acme and internal only.
func WithSharedStorage(db CertDB) Option { return func(o *options) { o.shared = db } }

// Manager serves the certificate of one configuration.
type Manager struct {
	mode    string
	domains []string
	log     *slog.Logger
	opts    options

	magic  *certmagic.Config     // modes acme and internal
	cache  *certmagic.Cache      // modes acme and internal
	acme   *certmagic.ACMEIssuer // mode acme
	ca     *localCA              // mode internal
	shared *SharedStorage        // with WithSharedStorage
	files  *fileCert             // mode files
	tlsCfg *tls.Config           // nil in mode off

	cancel    context.CancelFunc
	wg        sync.WaitGroup
	closeOnce sync.Once
}

// New starts certificate management for cfg. In mode acme the certificate
// is obtained in the background, because the CA can only validate once the
// caller serves HTTPHandler on port 80; until then handshakes fail. In mode
// internal the certificate is issued before New returns; in mode files the
// files must hold a valid pair. ctx bounds the manager's background work
// and should live as long as the daemon; Close stops it.
func New(ctx context.Context, cfg config.TLS, log *slog.Logger, opts ...Option) (*Manager, error) {
	m := &Manager{mode: cfg.Mode, domains: cfg.Domains, log: log.With("component", "tls", "tls_mode", cfg.Mode)}
	m.opts = options{httpsPort: 443, filesPoll: defaultFilesPoll, internalLifetime: defaultInternalLifetime, renewCheck: defaultRenewCheck}
	for _, o := range opts {
		o(&m.opts)
	}
	ctx, m.cancel = context.WithCancel(ctx)
	var err error
	switch cfg.Mode {
	case ModeOff:
		return m, nil
	case ModeFiles:
		err = m.startFiles(ctx, cfg)
	case ModeACME, ModeInternal:
		err = m.startManaged(ctx, cfg)
	default:
		err = fmt.Errorf("tls.mode %q: want %s, %s, %s or %s", cfg.Mode, ModeACME, ModeInternal, ModeFiles, ModeOff)
	}
	if err != nil {
		m.Close()
		return nil, err
	}
	return m, nil
}

func (m *Manager) startFiles(ctx context.Context, cfg config.TLS) error {
	f, err := newFileCert(cfg.CertFile, cfg.KeyFile, m.log)
	if err != nil {
		return err
	}
	m.files = f
	m.tlsCfg = baseConfig()
	m.tlsCfg.GetCertificate = f.get
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		f.watch(ctx, m.opts.filesPoll)
	}()
	return nil
}

func (m *Manager) startManaged(ctx context.Context, cfg config.TLS) error {
	if len(cfg.Domains) == 0 {
		return errors.New("tls.domains: at least one name is required for modes acme and internal")
	}
	if cfg.StorageDir == "" || !filepath.IsAbs(cfg.StorageDir) {
		return fmt.Errorf("tls.storage_dir %q: an absolute path is required (certificates are never kept under $HOME)", cfg.StorageDir)
	}
	if err := os.MkdirAll(cfg.StorageDir, 0o700); err != nil {
		return fmt.Errorf("tls.storage_dir: %w", err)
	}
	var storage certmagic.Storage = &certmagic.FileStorage{Path: cfg.StorageDir}
	legacyDir := "" // the CA's files are the storage itself
	if m.opts.shared != nil {
		m.shared = NewSharedStorage(m.opts.shared, m.log)
		storage, legacyDir = m.shared, cfg.StorageDir
	}
	zl := logging.ZapLogger(m.log)
	m.cache = certmagic.NewCache(certmagic.CacheOptions{
		GetConfigForCert:   func(certmagic.Certificate) (*certmagic.Config, error) { return m.magic, nil },
		RenewCheckInterval: m.opts.renewCheck,
		Logger:             zl,
	})
	m.magic = certmagic.New(m.cache, certmagic.Config{
		Storage:           storage,
		KeySource:         certmagic.StandardKeyGenerator{KeyType: certmagic.P256},
		DefaultServerName: cfg.Domains[0],
		Logger:            zl,
	})
	m.tlsCfg = baseConfig()
	m.tlsCfg.GetCertificate = m.magic.GetCertificate

	if cfg.Mode == ModeInternal {
		ca, err := loadOrCreateCA(ctx, storage, legacyDir, m.opts.internalLifetime)
		if err != nil {
			return err
		}
		if m.shared != nil {
			if err := writeRootFile(cfg.StorageDir, ca.certPEM); err != nil {
				return fmt.Errorf("internal CA: %w", err)
			}
		}
		ca.names = cfg.Domains
		m.ca = ca
		m.magic.Issuers = []certmagic.Issuer{ca}
		m.magic.OCSP.DisableStapling = true // the local CA runs no OCSP responder
		if err := m.magic.ManageSync(ctx, cfg.Domains); err != nil {
			return fmt.Errorf("internal CA: certificate for %v: %w", cfg.Domains, err)
		}
		return nil
	}

	tmpl := certmagic.ACMEIssuer{
		CA:                      cfg.ACMEDirectory,
		Email:                   cfg.Email,
		Agreed:                  true,
		DisableTLSALPNChallenge: true, // HTTP-01 only, on the port-80 socket
		ListenHost:              m.opts.challengeHost,
		AltHTTPPort:             m.opts.challengePort,
		Logger:                  zl,
	}
	if cfg.ACMERoot != "" {
		pem, err := os.ReadFile(cfg.ACMERoot)
		if err != nil {
			return fmt.Errorf("tls.acme_root: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return fmt.Errorf("tls.acme_root %s: no PEM certificate found", cfg.ACMERoot)
		}
		tmpl.TrustedRoots = pool
	}
	m.acme = certmagic.NewACMEIssuer(m.magic, tmpl)
	m.magic.Issuers = []certmagic.Issuer{m.acme}
	if err := m.magic.ManageAsync(ctx, cfg.Domains); err != nil {
		return fmt.Errorf("acme: manage %v: %w", cfg.Domains, err)
	}
	return nil
}

// TLSConfig returns the server configuration (a fresh copy per call), or nil
// in mode off.
func (m *Manager) TLSConfig() *tls.Config {
	if m.tlsCfg == nil {
		return nil
	}
	return m.tlsCfg.Clone()
}

// Reload re-reads the certificate files now (mode files; call it on
// SIGHUP). Other modes renew by themselves and ignore it.
func (m *Manager) Reload() error {
	if m.files == nil {
		return nil
	}
	_, err := m.files.reload()
	return err
}

// RootPEM returns the root certificate of the internal CA in mode internal,
// for operators to import into browsers, and nil otherwise.
func (m *Manager) RootPEM() []byte {
	if m.ca == nil {
		return nil
	}
	return m.ca.certPEM
}

// Close stops renewals and file watching. It is safe to call more than once.
func (m *Manager) Close() {
	m.closeOnce.Do(func() {
		m.cancel()
		if m.cache != nil {
			m.cache.Stop()
		}
		m.wg.Wait()
		if m.shared != nil {
			m.shared.Close()
		}
	})
}
