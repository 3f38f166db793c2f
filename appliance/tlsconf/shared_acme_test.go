package tlsconf

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/buergerbuero/buergerbuero/appliance/config"
)

// TestACMEOnTwoNodes: two nodes on one PostgreSQL in mode acme, behind
// one port 80 (a load balancer). One node orders the certificate; Pebble's
// HTTP-01 request is sent to the other node, which answers it from the
// shared storage; then both serve the one certificate.
func TestACMEOnTwoNodes(t *testing.T) {
	bin := pebbleBinary(t)
	httpLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	pb := startPebble(t, bin, httpLn.Addr().(*net.TCPAddr).Port, startDNS(t, acmeDomain))
	dbs := nodesOnOnePostgres(t, 2)

	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	ms := make([]*Manager, 2)
	for i := range ms {
		m, err := New(ctx, config.TLS{
			Mode: ModeACME, Domains: []string{acmeDomain},
			ACMEDirectory: pb.directory, ACMERoot: pb.listenerCert, StorageDir: t.TempDir(),
		}, testLogger(t), WithHTTPChallengeAddr(httpLn.Addr().String()), WithSharedStorage(dbs[i]))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(m.Close)
		ms[i] = m
	}

	// the load balancer: a challenge goes to a node that is not ordering
	var answered, byOrderer atomic.Int32
	handlers := []http.Handler{ms[0].HTTPHandler(nil), ms[1].HTTPHandler(nil)}
	httpSrv := &http.Server{ReadHeaderTimeout: handshakeTimeout, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, challengePath) {
			handlers[0].ServeHTTP(w, r)
			return
		}
		i := 0
		if ms[0].holds("issue_cert_" + acmeDomain) {
			i = 1
		}
		if ms[i].holds("issue_cert_" + acmeDomain) {
			byOrderer.Add(1)
		}
		answered.Add(1)
		handlers[i].ServeHTTP(w, r)
	})}
	go httpSrv.Serve(httpLn)
	t.Cleanup(func() { httpSrv.Close() })

	client := &tls.Config{ServerName: acmeDomain, RootCAs: pb.root(t)}
	addrs := []string{serveHTTPS(t, ms[0].TLSConfig()), serveHTTPS(t, ms[1].TLSConfig())}
	serials := make([]string, 2)
	for i, addr := range addrs {
		eventually(t, issueWait, "certificate issued by Pebble and served by every node", func() error {
			st, err := handshake(addr, client)
			if err != nil {
				return err
			}
			serials[i] = serialOf(st).String()
			return nil
		})
	}
	if answered.Load() == 0 || byOrderer.Load() != 0 {
		t.Fatalf("%d challenge requests, %d of them answered by the ordering node; want some, none", answered.Load(), byOrderer.Load())
	}
	if serials[0] != serials[1] {
		t.Errorf("the nodes serve different certificates (%s, %s): both ordered one", serials[0], serials[1])
	}
}

// holds reports whether the manager's shared storage holds the lock name.
func (m *Manager) holds(name string) bool {
	m.shared.mu.Lock()
	defer m.shared.mu.Unlock()
	return m.shared.held[name] != nil
}
