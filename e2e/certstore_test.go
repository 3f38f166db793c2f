package e2e

import (
	"bytes"
	"crypto/tls"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/store/pgtest"
)

// TestClusterNodesShareOneCA: two `buergerbuero serve` processes on one
// PostgreSQL in mode internal are one CA: a browser that imported the
// root of one node (its tls.storage_dir/ca/root.pem) trusts the other,
// and both serve the one certificate, issued once.
func TestClusterNodesShareOneCA(t *testing.T) {
	if testing.Short() {
		t.Skip("two processes and a PostgreSQL")
	}
	nodes := startCluster(t, pgtest.DSN(t), 2)
	a, b := nodes[0], nodes[1]
	if !bytes.Equal(a.CertPEM(), b.CertPEM()) || len(a.CertPEM()) == 0 {
		t.Fatal("the nodes' root.pem differ: each node has its own CA")
	}
	var serials []string
	for _, n := range nodes {
		d := &net.Dialer{Timeout: 5 * time.Second}
		conn, err := tls.DialWithDialer(d, "tcp", strings.TrimPrefix(n.URL, "https://"), a.TLSConfig())
		if err != nil {
			t.Fatalf("%s with node A's root: %v", n.URL, err)
		}
		serials = append(serials, conn.ConnectionState().PeerCertificates[0].SerialNumber.String())
		conn.Close()
	}
	if serials[0] != serials[1] {
		t.Errorf("the nodes serve different certificates (%s, %s)", serials[0], serials[1])
	}
	// and the pages: node B's reception through node A's trust
	res, err := a.Client().Get(b.URL + "/readyz")
	if err != nil {
		t.Fatalf("node B's /readyz trusting node A's root: %v", err)
	}
	res.Body.Close()
}
