package sfu

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"math/big"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pion/turn/v5"

	"github.com/buergerbuero/buergerbuero/internal/freeport"
)

func selfSignedTLS(t *testing.T) *tls.Config {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tpl := x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
	der, err := x509.CreateCertificate(rand.Reader, &tpl, &tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12}
}

// allocateOverTLS performs a TURN allocation over TLS with the credentials.
func allocateOverTLS(t *testing.T, addr, user, pass, realm string) error {
	t.Helper()
	conn, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true}) //nolint:gosec // self-signed test certificate
	if err != nil {
		return err
	}
	c, err := turn.NewClient(&turn.ClientConfig{TURNServerAddr: addr, STUNServerAddr: addr, Username: user, Password: pass,
		Realm: realm, Conn: turn.NewSTUNConn(conn)})
	if err != nil {
		_ = conn.Close()
		return err
	}
	defer c.Close()
	if err := c.Listen(); err != nil {
		return err
	}
	relay, err := c.Allocate()
	if err != nil {
		return err
	}
	return relay.Close()
}

func TestTURNOverTLSWithShortLivedCredentials(t *testing.T) {
	tlsPort := freeport.TCP(t, "127.0.0.1")
	env := newTestEnv(t, Config{TURN: TURNConfig{Enabled: true, TLSPort: tlsPort, UDPPort: tlsPort, TCPPort: freeport.TCP(t, "127.0.0.1"),
		TLSConfig: selfSignedTLS(t), CredentialTTL: time.Minute}})
	servers := env.sfu.ICEServers(Grant{Room: "r", Identity: "citizen-7", Role: RoleCitizen})
	if len(servers) != 1 || len(servers[0].URLs) != 3 {
		t.Fatalf("ICEServers = %+v, want one server with udp, tcp and tls URLs", servers)
	}
	if !strings.HasPrefix(servers[0].URLs[2], "turns:127.0.0.1:"+strconv.Itoa(tlsPort)) {
		t.Fatalf("TLS URL %q", servers[0].URLs[2])
	}
	user, pass := servers[0].Username, servers[0].Credential
	exp, err := credentialExpiry(user)
	if err != nil || !strings.HasSuffix(user, ":citizen-7") || time.Until(exp) > time.Minute+time.Second || time.Until(exp) < 50*time.Second {
		t.Fatalf("username %q: expiry %v (err %v), want about one minute from now", user, exp, err)
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(tlsPort))
	if err := allocateOverTLS(t, addr, user, pass, defaultRealm); err != nil {
		t.Fatalf("allocation with valid credentials: %v", err)
	}
	if err := allocateOverTLS(t, addr, user, "wrong", defaultRealm); err == nil {
		t.Fatal("allocation with a wrong password succeeded")
	}
	expired := strconv.FormatInt(time.Now().Add(-time.Minute).Unix(), 10) + ":citizen-7"
	if err := allocateOverTLS(t, addr, expired, pass, defaultRealm); err == nil {
		t.Fatal("allocation with an expired username succeeded")
	}
}

func TestConfigValidateNamesField(t *testing.T) {
	tests := []struct {
		cfg  Config
		want string
	}{
		{Config{UDPPort: 70000}, "UDPPort"},
		{Config{PublicIPs: []string{"example.org"}}, "PublicIPs"},
		{Config{BindIP: "x"}, "BindIP"},
		{Config{TURN: TURNConfig{Enabled: true}}, "TURN.Enabled"},
		{Config{TURN: TURNConfig{Enabled: true, TLSPort: 5349}}, "TURN.TLSConfig"},
	}
	for _, tc := range tests {
		err := tc.cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate(%+v) = %v, want an error naming %s", tc.cfg, err, tc.want)
		}
	}
	if err := (Config{}).Validate(); err != nil {
		t.Errorf("zero Config: %v", err)
	}
}

func TestRelayAddress(t *testing.T) {
	tests := []struct {
		cfg  Config
		want string
	}{
		{Config{TURN: TURNConfig{Host: "198.51.100.7"}}, "198.51.100.7"},
		{Config{TURN: TURNConfig{Host: "media.example.de"}, PublicIPs: []string{"203.0.113.5"}}, "203.0.113.5"},
		{Config{TURN: TURNConfig{Host: "media.example.de"}, BindIP: "192.0.2.1"}, "192.0.2.1"},
	}
	for _, tc := range tests {
		if got := relayAddress(tc.cfg).String(); got != tc.want {
			t.Errorf("relayAddress(%+v) = %s, want %s", tc.cfg.TURN, got, tc.want)
		}
	}
	if ip := relayAddress(Config{TURN: TURNConfig{Host: "media.example.de"}}); ip == nil || ip.IsUnspecified() {
		t.Errorf("relay address without any address configured: %v", ip)
	}
}

// TestTURNCredentialsOfAnotherNode: on several nodes the browser's
// iceServers come from the node it asked, and point at the TURN server of
// the node that carries its room. With the cluster's TURN.Secret that
// server accepts the credentials; with a secret of its own it refuses
// them.
func TestTURNCredentialsOfAnotherNode(t *testing.T) {
	shared := []byte(strings.Repeat("k", 32))
	turnEnv := func(secret []byte) (*testEnv, string) {
		port := freeport.TCP(t, "127.0.0.1")
		env := newTestEnv(t, Config{TURN: TURNConfig{Enabled: true, TLSPort: port, TLSConfig: selfSignedTLS(t), Secret: secret,
			Host: "media-a.example", CredentialTTL: time.Minute}})
		return env, net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	}
	a, _ := turnEnv(shared)
	_, bAddr := turnEnv(shared)
	_, cAddr := turnEnv(nil)
	servers := a.sfu.ICEServersAt(Grant{Room: "r", Identity: "citizen-7", Role: RoleCitizen}, "media-b.example")
	if len(servers) != 1 || len(servers[0].URLs) != 1 || !strings.HasPrefix(servers[0].URLs[0], "turns:media-b.example:") {
		t.Fatalf("iceServers for node B: %+v, want B's TURN server", servers)
	}
	user, pass := servers[0].Username, servers[0].Credential
	if err := allocateOverTLS(t, bAddr, user, pass, defaultRealm); err != nil {
		t.Fatalf("node A's credentials on node B (same secret): %v", err)
	}
	if err := allocateOverTLS(t, cAddr, user, pass, defaultRealm); err == nil {
		t.Fatal("node A's credentials were accepted by a node with another secret")
	}
	if own := a.sfu.ICEServers(Grant{Identity: "citizen-7"}); len(own) != 1 || !strings.HasPrefix(own[0].URLs[0], "turns:media-a.example:") {
		t.Fatalf("iceServers of the node itself: %+v", own)
	}
}
