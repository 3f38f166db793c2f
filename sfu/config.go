package sfu

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"time"
)

// Role is what a participant may do in a room. The zero value is
// RoleUnknown, which is never admitted.
type Role int

// Roles, in the order the reception issues them.
const (
	RoleUnknown Role = iota
	RoleClerk
	RoleCitizen
	RoleInterpreter
	RoleViewer
)

// String returns the role's wire name.
func (r Role) String() string {
	switch r {
	case RoleClerk:
		return "clerk"
	case RoleCitizen:
		return "citizen"
	case RoleInterpreter:
		return "interpreter"
	case RoleViewer:
		return "viewer"
	default:
		return "unknown"
	}
}

// CanPublish reports whether the role may send media and data into a room.
func (r Role) CanPublish() bool {
	return r == RoleClerk || r == RoleCitizen || r == RoleInterpreter
}

// Grant is what an admission token entitles its bearer to: one room, one
// role, until Expires.
type Grant struct {
	Room        string
	Identity    string
	DisplayName string
	Role        Role
	// Withhold are the media kinds the participant may not publish
	// although its role publishes (publishkinds.go); zero withholds none.
	Withhold Kinds
	Expires  time.Time
}

// Authorizer turns an admission token into a Grant. The reception
// implements it; the SFU never issues tokens.
type Authorizer interface {
	Authorize(ctx context.Context, token string) (Grant, error)
}

// Config configures the SFU's network side. The zero value is usable for
// tests: ephemeral UDP port on all interfaces, no ICE-TCP, no TURN.
type Config struct {
	// UDPPort is the single UDP port carrying all ICE traffic (UDP mux).
	// 0 picks an ephemeral port.
	UDPPort int
	// UDPConn, if non-nil, is used instead of opening UDPPort (systemd
	// socket activation). The SFU closes it on Close.
	UDPConn net.PacketConn
	// TCPPort enables ICE-TCP (passive) on this port; 0 = off.
	TCPPort int
	// TCPListener, if non-nil, is used instead of opening TCPPort.
	TCPListener net.Listener
	// PublicIPs are 1:1 NAT addresses announced in host candidates instead
	// of the local interface addresses.
	PublicIPs []string
	// BindIP restricts the sockets to one address; empty = all.
	BindIP string
	// TURN configures the embedded TURN server.
	TURN TURNConfig
	// MaxMessageBytes limits one signalling message; default 64 KiB.
	MaxMessageBytes int64
	// UDPBufferBytes is the receive and send buffer asked for on the ICE
	// UDP socket; default 4 MiB. All media of all rooms arrives on this one
	// socket, so the kernel default (208 KiB) overflows when many
	// publishers send a frame at the same moment. See udpbuf.go for how
	// the size is obtained without privileges.
	UDPBufferBytes int
}

// TURNConfig configures the embedded TURN server (pion/turn v5), which lets
// clients behind UDP-blocking firewalls reach the SFU over TCP or TLS.
type TURNConfig struct {
	// Enabled starts the TURN server.
	Enabled bool
	// UDPPort, TCPPort and TLSPort are the listening ports; 0 = that
	// transport is off. TLS needs TLSConfig.
	UDPPort, TCPPort, TLSPort int
	// Realm is the TURN realm; default "buergerbuero".
	Realm string
	// TLSConfig holds the certificate for TURN over TLS (from the appliance).
	TLSConfig *tls.Config
	// Secret is the HMAC key of the short-lived credentials; random if nil.
	Secret []byte
	// CredentialTTL is how long ICEServers credentials stay valid; default 2h.
	CredentialTTL time.Duration
	// Host is the name or address put into the turn: URLs (for turns: the
	// name in TLSConfig's certificate); default: the first PublicIPs entry,
	// else BindIP, else the first non-loopback interface address.
	Host string
}

const (
	defaultMaxMessageBytes = 64 << 10
	defaultUDPBufferBytes  = 4 << 20
	defaultRealm           = "buergerbuero"
	defaultCredentialTTL   = 2 * time.Hour
)

// withDefaults returns cfg with every unset field given its default.
func (cfg Config) withDefaults() Config {
	if cfg.MaxMessageBytes <= 0 {
		cfg.MaxMessageBytes = defaultMaxMessageBytes
	}
	if cfg.UDPBufferBytes <= 0 {
		cfg.UDPBufferBytes = defaultUDPBufferBytes
	}
	if cfg.TURN.Realm == "" {
		cfg.TURN.Realm = defaultRealm
	}
	if cfg.TURN.CredentialTTL <= 0 {
		cfg.TURN.CredentialTTL = defaultCredentialTTL
	}
	if cfg.TURN.Host == "" {
		switch {
		case len(cfg.PublicIPs) > 0:
			cfg.TURN.Host = cfg.PublicIPs[0]
		case cfg.BindIP != "":
			cfg.TURN.Host = cfg.BindIP
		default:
			cfg.TURN.Host = interfaceIP().String()
		}
	}
	return cfg
}

// Validate checks the configuration and names the offending field.
func (cfg Config) Validate() error {
	var errs []error
	port := func(name string, p int) {
		if p < 0 || p > 65535 {
			errs = append(errs, fmt.Errorf("sfu: %s %d out of range 0..65535", name, p))
		}
	}
	port("UDPPort", cfg.UDPPort)
	port("TCPPort", cfg.TCPPort)
	port("TURN.UDPPort", cfg.TURN.UDPPort)
	port("TURN.TCPPort", cfg.TURN.TCPPort)
	port("TURN.TLSPort", cfg.TURN.TLSPort)
	for _, ip := range cfg.PublicIPs {
		if net.ParseIP(ip) == nil {
			errs = append(errs, fmt.Errorf("sfu: PublicIPs entry %q is not an IP address", ip))
		}
	}
	if cfg.BindIP != "" && net.ParseIP(cfg.BindIP) == nil {
		errs = append(errs, fmt.Errorf("sfu: BindIP %q is not an IP address", cfg.BindIP))
	}
	if cfg.TURN.Enabled {
		if cfg.TURN.UDPPort == 0 && cfg.TURN.TCPPort == 0 && cfg.TURN.TLSPort == 0 {
			errs = append(errs, errors.New("sfu: TURN.Enabled needs at least one of TURN.UDPPort, TURN.TCPPort, TURN.TLSPort"))
		}
		if cfg.TURN.TLSPort != 0 && cfg.TURN.TLSConfig == nil {
			errs = append(errs, errors.New("sfu: TURN.TLSPort needs TURN.TLSConfig"))
		}
	}
	return errors.Join(errs...)
}

// interfaceIP is the first non-loopback IPv4 address of the host, or
// 127.0.0.1 if there is none.
func interfaceIP() net.IP {
	addrs, err := net.InterfaceAddrs()
	if err == nil {
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
				return n.IP
			}
		}
	}
	return net.IPv4(127, 0, 0, 1)
}
