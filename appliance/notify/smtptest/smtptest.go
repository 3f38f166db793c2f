// Package smtptest runs a real SMTP server for tests (emersion/go-smtp):
// STARTTLS with a self-signed certificate, PLAIN authentication, every
// accepted message kept in memory. It can be stopped and started again on
// the same port, to test what a sender does while the relay is down.
package smtptest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Received is one message as the server accepted it.
type Received struct {
	From string
	To   []string
	Data []byte
	// TLS says the message came over an encrypted connection; User is the
	// authenticated login ("" without authentication).
	TLS  bool
	User string
}

// Server is a running test SMTP server.
type Server struct {
	Host string
	Port int
	// ClientTLS trusts the server's certificate (for the sender under
	// test); CertPEM is that certificate (notify.email.ca_file).
	ClientTLS *tls.Config
	CertPEM   []byte
	// User and Password are the accepted PLAIN credentials.
	User, Password string

	t       testing.TB
	mode    Mode
	srvTLS  *tls.Config
	mu      sync.Mutex
	srv     *smtp.Server
	ln      net.Listener
	msgs    []Received
	changed chan struct{}
}

// Mode is how the server offers TLS.
type Mode int

// Modes.
const (
	STARTTLS Mode = iota // plain connection upgraded by STARTTLS (default)
	Implicit             // TLS from the first byte (port 465 style)
	NoTLS                // no TLS at all (a misconfigured relay)
)

// Start starts a server on a free loopback port; it stops with the test.
// mode is STARTTLS unless given.
func Start(t testing.TB, mode ...Mode) *Server {
	t.Helper()
	cert, pool := selfSigned(t)
	s := &Server{CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}), Host: "127.0.0.1", User: "buergerbuero", Password: "smtp-test-passwort",
		ClientTLS: &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12},
		srvTLS:    &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		t:         t, changed: make(chan struct{})}
	if len(mode) > 0 {
		s.mode = mode[0]
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Port = ln.Addr().(*net.TCPAddr).Port
	s.serve(ln)
	t.Cleanup(s.Stop)
	return s
}

// Addr is host:port.
func (s *Server) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

func (s *Server) serve(ln net.Listener) {
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &session{s: s, c: c}, nil }))
	srv.Domain = "smtp.test"
	switch s.mode {
	case STARTTLS:
		srv.TLSConfig = s.srvTLS
	case Implicit:
		ln = tls.NewListener(ln, s.srvTLS)
	case NoTLS:
		srv.AllowInsecureAuth = true
	}
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.MaxMessageBytes = 10 << 20
	s.mu.Lock()
	s.srv, s.ln = srv, ln
	s.mu.Unlock()
	go srv.Serve(ln)
}

// Stop closes the listener and every connection: the relay is down.
func (s *Server) Stop() {
	s.mu.Lock()
	srv, ln := s.srv, s.ln
	s.srv, s.ln = nil, nil
	s.mu.Unlock()
	if srv != nil {
		// Serve may not have registered the listener yet: close it
		// ourselves, then the connections Serve has.
		ln.Close()
		srv.Close()
	}
}

// Restart listens again on the same port.
func (s *Server) Restart() {
	s.t.Helper()
	// Go listens with SO_REUSEADDR: the port is free again at once.
	ln, err := net.Listen("tcp", s.Addr())
	if err != nil {
		s.t.Fatalf("restart smtp on %s: %v", s.Addr(), err)
	}
	s.serve(ln)
}

// Messages returns a copy of everything received so far.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.msgs...)
}

// Wait waits until at least n messages arrived or the timeout passed, and
// returns what arrived.
func (s *Server) Wait(n int, timeout time.Duration) []Received {
	deadline := time.After(timeout)
	for {
		s.mu.Lock()
		msgs, ch := append([]Received(nil), s.msgs...), s.changed
		s.mu.Unlock()
		if len(msgs) >= n {
			return msgs
		}
		select {
		case <-ch:
		case <-deadline:
			return msgs
		}
	}
}

func (s *Server) add(r Received) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, r)
	close(s.changed)
	s.changed = make(chan struct{})
}

type session struct {
	s    *Server
	c    *smtp.Conn
	user string
	cur  Received
}

var _ smtp.AuthSession = (*session)(nil)

func (x *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (x *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		if user != x.s.User || pass != x.s.Password {
			return errors.New("invalid credentials")
		}
		x.user = user
		return nil
	}), nil
}

func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	x.cur = Received{From: from}
	return nil
}

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.cur.To = append(x.cur.To, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, tlsOn := x.c.TLSConnectionState()
	x.cur.Data, x.cur.TLS, x.cur.User = b, tlsOn, x.user
	x.s.add(x.cur)
	return nil
}

func (x *session) Reset()        { x.cur = Received{} }
func (x *session) Logout() error { return nil }

// selfSigned makes a certificate for 127.0.0.1 and a pool trusting it.
func selfSigned(t testing.TB) (tls.Certificate, *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "smtp.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}, pool
}
