package firstboot

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/config"
)

//go:embed assets
var assets embed.FS

var pages = template.Must(template.ParseFS(assets, "assets/*.html"))

// csp allows nothing but the page's own stylesheet and form posts to itself:
// the setup page has no script at all.
const csp = "default-src 'none'; style-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// setupServer serves the one-time setup page. It owns the token; done is
// closed once a valid answer has been written.
type setupServer struct {
	token      string
	root, conf string
	log        *slog.Logger

	mu   sync.Mutex
	used bool
	done chan struct{}
}

func newToken() string {
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on Linux
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func (s *setupServer) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /setup/style.css", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		http.ServeFileFS(w, r, assets, "assets/style.css")
	})
	mux.HandleFunc("GET /setup", s.form)
	mux.HandleFunc("POST /setup", s.submit)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		s.render(w, http.StatusServiceUnavailable, "waiting.html", nil)
	})
	return headers(mux)
}

func headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer") // the URL carries the token
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

type formData struct {
	Token   string
	Seed    Seed
	SSHKey  string
	AdminNs string
	States  []string
	Error   string
}

func (s *setupServer) validToken(t string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.used && subtle.ConstantTimeCompare([]byte(t), []byte(s.token)) == 1
}

func (s *setupServer) form(w http.ResponseWriter, r *http.Request) {
	tok := r.URL.Query().Get("token")
	if !s.validToken(tok) {
		s.render(w, http.StatusForbidden, "waiting.html", nil)
		return
	}
	d := formData{Token: tok, States: config.Bundeslaender}
	d.Seed.TLS.Mode = "acme"
	s.render(w, http.StatusOK, "setup.html", d)
}

func (s *setupServer) submit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	tok := r.PostForm.Get("token")
	if !s.validToken(tok) {
		s.render(w, http.StatusForbidden, "waiting.html", nil)
		return
	}
	d := formData{Token: tok, States: config.Bundeslaender, SSHKey: r.PostForm.Get("ssh_key"), AdminNs: r.PostForm.Get("admin_networks")}
	d.Seed = seedFromForm(r)
	err := d.Seed.Validate()
	if err == nil {
		s.mu.Lock()
		if s.used {
			err = fmt.Errorf("setup was already completed")
		} else if err = d.Seed.Apply(s.root, s.conf); err == nil {
			s.used = true
			close(s.done)
		}
		s.mu.Unlock()
	}
	if err != nil {
		d.Error = err.Error()
		s.render(w, http.StatusUnprocessableEntity, "setup.html", d)
		return
	}
	s.log.Info("setup completed", "tls_mode", d.Seed.TLS.Mode, "matrix", d.Seed.Matrix != nil, "ssh", len(d.Seed.SSH.AuthorizedKeys) > 0)
	s.render(w, http.StatusOK, "done.html", d)
}

func seedFromForm(r *http.Request) Seed {
	f := func(k string) string { return strings.TrimSpace(r.PostForm.Get(k)) }
	s := Seed{
		Version:    1,
		FQDN:       strings.ToLower(f("fqdn")),
		SiteName:   f("site_name"),
		State:      f("state"),
		AdminEmail: f("admin_email"),
		TLS:        SeedTLS{Mode: f("tls_mode"), ACMEDirectory: f("acme_directory")},
	}
	if hs := f("matrix_homeserver_url"); hs != "" || f("matrix_server_name") != "" {
		s.Matrix = &SeedMatrix{HomeserverURL: hs, ServerName: f("matrix_server_name")}
	}
	for _, line := range strings.Split(f("ssh_key"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			s.SSH.AuthorizedKeys = append(s.SSH.AuthorizedKeys, line)
		}
	}
	for _, n := range strings.FieldsFunc(f("admin_networks"), func(r rune) bool { return r == ',' || r == ' ' || r == '\n' }) {
		s.SSH.AdminNetworks = append(s.SSH.AdminNetworks, strings.TrimSpace(n))
	}
	return s
}

func (s *setupServer) render(w http.ResponseWriter, status int, name string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := pages.ExecuteTemplate(w, name, data); err != nil {
		s.log.Error("render setup page", "page", name, "err", err)
	}
}

// selfSigned makes the setup page's throw-away certificate for the given
// addresses; its fingerprint is shown on the console next to the link.
func selfSigned(ips []net.IP) (tls.Certificate, string, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, "", err
	}
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "buergerbuero setup"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(7 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  ips,
		DNSNames:     []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, "", err
	}
	sum := sha256.Sum256(der)
	hexes := make([]string, len(sum))
	for i, b := range sum {
		hexes[i] = fmt.Sprintf("%02X", b)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, strings.Join(hexes, ":"), nil
}

// hostIPs lists the global unicast addresses the setup link can use.
func hostIPs() []net.IP {
	var ips []net.IP
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.IsGlobalUnicast() {
			ips = append(ips, n.IP)
		}
	}
	return ips
}

// serveSetup runs the setup page on ln until setup completes (returns nil)
// or ctx ends.
func serveSetup(ctx context.Context, ln net.Listener, s *setupServer, cert tls.Certificate) error {
	srv := &http.Server{
		Handler:           s.handler(),
		ReadHeaderTimeout: 10 * time.Second,
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ServeTLS(ln, "", "") }()
	var err error
	select {
	case <-s.done:
	case <-ctx.Done():
		err = ctx.Err()
	case err = <-errc:
		return err
	}
	// Let the browser receive the "done" page, then free the port for the appliance.
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdownCtx)
	return err
}
