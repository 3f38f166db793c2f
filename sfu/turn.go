package sfu

import (
	"crypto/rand"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/pion/turn/v5"
)

// ICEServer is one entry of RTCConfiguration.iceServers, JSON-ready.
type ICEServer struct {
	URLs       []string `json:"urls"`
	Username   string   `json:"username,omitempty"`
	Credential string   `json:"credential,omitempty"`
}

// turnServer is the embedded TURN server. It relays only to the SFU's own
// addresses, so it cannot be abused as an open relay into the network.
type turnServer struct {
	srv    *turn.Server
	secret string
}

func newTURNServer(cfg Config, log *slog.Logger) (*turnServer, error) {
	secret := cfg.TURN.Secret
	if len(secret) == 0 {
		secret = make([]byte, 32)
		if _, err := rand.Read(secret); err != nil {
			return nil, fmt.Errorf("sfu: TURN secret: %w", err)
		}
	}
	relayIP := relayAddress(cfg)
	bind := cfg.BindIP
	if bind == "" {
		bind = "0.0.0.0"
	}
	allowed := ownAddresses(cfg)
	permit := func(_ net.Addr, peer net.IP) bool { return allowed[peer.String()] }
	gen := &turn.RelayAddressGeneratorStatic{RelayAddress: relayIP, Address: bind}
	sc := turn.ServerConfig{Realm: cfg.TURN.Realm, AuthHandler: turn.LongTermTURNRESTAuthHandler(string(secret), nil)}
	ts := &turnServer{secret: string(secret)}
	var opened []func() error
	fail := func(err error) (*turnServer, error) {
		for _, c := range opened {
			_ = c()
		}
		return nil, err
	}
	if p := cfg.TURN.UDPPort; p != 0 {
		c, err := net.ListenPacket("udp", net.JoinHostPort(bind, strconv.Itoa(p)))
		if err != nil {
			return fail(fmt.Errorf("sfu: TURN.UDPPort %d: %w", p, err))
		}
		opened = append(opened, c.Close)
		sc.PacketConnConfigs = append(sc.PacketConnConfigs, turn.PacketConnConfig{PacketConn: c, RelayAddressGenerator: gen, PermissionHandler: permit})
	}
	listen := func(name string, port int, tlsCfg *tls.Config) error {
		if port == 0 {
			return nil
		}
		l, err := net.Listen("tcp", net.JoinHostPort(bind, strconv.Itoa(port)))
		if err != nil {
			return fmt.Errorf("sfu: %s %d: %w", name, port, err)
		}
		if tlsCfg != nil {
			l = tls.NewListener(l, tlsCfg)
		}
		opened = append(opened, l.Close)
		sc.ListenerConfigs = append(sc.ListenerConfigs, turn.ListenerConfig{Listener: l, RelayAddressGenerator: gen, PermissionHandler: permit})
		return nil
	}
	if err := listen("TURN.TCPPort", cfg.TURN.TCPPort, nil); err != nil {
		return fail(err)
	}
	if err := listen("TURN.TLSPort", cfg.TURN.TLSPort, cfg.TURN.TLSConfig); err != nil {
		return fail(err)
	}
	srv, err := turn.NewServer(sc)
	if err != nil {
		return fail(fmt.Errorf("sfu: TURN server: %w", err))
	}
	ts.srv = srv
	log.Info("TURN server started", "udp", cfg.TURN.UDPPort, "tcp", cfg.TURN.TCPPort, "tls", cfg.TURN.TLSPort)
	return ts, nil
}

// relayAddress is the address relayed candidates announce: TURN.Host if
// it is an address, else the public, bound or interface address.
func relayAddress(cfg Config) net.IP {
	for _, s := range append([]string{cfg.TURN.Host}, append(cfg.PublicIPs, cfg.BindIP)...) {
		if ip := net.ParseIP(s); ip != nil && !ip.IsUnspecified() {
			return ip
		}
	}
	return interfaceIP()
}

// ownAddresses are the peer addresses TURN may relay to: the SFU's
// interfaces and its announced public addresses.
func ownAddresses(cfg Config) map[string]bool {
	ok := map[string]bool{}
	for _, ip := range cfg.PublicIPs {
		ok[net.ParseIP(ip).String()] = true
	}
	if cfg.BindIP != "" {
		ok[net.ParseIP(cfg.BindIP).String()] = true
	}
	if addrs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range addrs {
			if n, isNet := a.(*net.IPNet); isNet {
				ok[n.IP.String()] = true
			}
		}
	}
	return ok
}

func (t *turnServer) close() error { return t.srv.Close() }

// ICEServers returns the client's iceServers: our TURN server with
// credentials valid for TURN.CredentialTTL, username "expiry:identity"
// (TURN REST API / RFC 7635 style). Empty when TURN is off: then the
// SFU's host candidates are enough and no STUN server is needed.
func (s *SFU) ICEServers(g Grant) []ICEServer { return s.ICEServersAt(g, "") }

// ICEServersAt is ICEServers for the TURN server on host (default
// TURN.Host): another node's, which relays to its own SFU only. Its
// ports are ours, and it checks the credentials with the same
// TURN.Secret (several nodes share it).
func (s *SFU) ICEServersAt(g Grant, host string) []ICEServer {
	if s.turn == nil {
		return nil
	}
	user, pass, err := turn.GenerateLongTermTURNRESTCredentials(s.turn.secret, g.Identity, s.cfg.TURN.CredentialTTL)
	if err != nil {
		s.log.Error("TURN credentials", "err", err)
		return nil
	}
	if host == "" {
		host = s.cfg.TURN.Host
	}
	if ip := net.ParseIP(host); ip != nil && ip.To4() == nil {
		host = "[" + host + "]"
	}
	var urls []string
	if p := s.cfg.TURN.UDPPort; p != 0 {
		urls = append(urls, fmt.Sprintf("turn:%s:%d?transport=udp", host, p))
	}
	if p := s.cfg.TURN.TCPPort; p != 0 {
		urls = append(urls, fmt.Sprintf("turn:%s:%d?transport=tcp", host, p))
	}
	if p := s.cfg.TURN.TLSPort; p != 0 {
		urls = append(urls, fmt.Sprintf("turns:%s:%d?transport=tcp", host, p))
	}
	return []ICEServer{{URLs: urls, Username: user, Credential: pass}}
}

// credentialExpiry is exposed for tests of the username format.
func credentialExpiry(username string) (time.Time, error) {
	for i := range username {
		if username[i] == ':' {
			sec, err := strconv.ParseInt(username[:i], 10, 64)
			return time.Unix(sec, 0), err
		}
	}
	return time.Time{}, fmt.Errorf("sfu: TURN username %q has no expiry", username)
}
