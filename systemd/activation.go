package systemd

import (
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"

	"github.com/coreos/go-systemd/v22/activation"
	"golang.org/x/sys/unix"
)

// Socket names (FileDescriptorName= in systemd/units/*.socket).
const (
	NameHTTPS = "https" // TCP, serves the application over TLS
	NameHTTP  = "http"  // TCP, ACME HTTP-01 and redirect to HTTPS
	NameMedia = "media" // UDP, ICE/WebRTC media of the SFU
)

// Activated holds the sockets systemd passed, by FileDescriptorName.
type Activated struct {
	// Listeners are the stream sockets (ListenStream=).
	Listeners map[string]net.Listener
	// PacketConns are the datagram sockets (ListenDatagram=).
	PacketConns map[string]net.PacketConn
}

// Listener returns the stream socket called name, or nil.
func (a Activated) Listener(name string) net.Listener { return a.Listeners[name] }

// PacketConn returns the datagram socket called name, or nil.
func (a Activated) PacketConn(name string) net.PacketConn { return a.PacketConns[name] }

// ListenerOr returns the stream socket called name or, when systemd did not
// pass one (started from a shell, in tests), listens on addr itself.
func (a Activated) ListenerOr(name, addr string) (net.Listener, error) {
	if l := a.Listeners[name]; l != nil {
		return l, nil
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen %s on %s (not socket-activated): %w", name, addr, err)
	}
	return l, nil
}

// PacketConnOr returns the datagram socket called name or, when systemd did
// not pass one, opens a UDP socket on addr itself.
func (a Activated) PacketConnOr(name, addr string) (net.PacketConn, error) {
	if c := a.PacketConns[name]; c != nil {
		return c, nil
	}
	c, err := net.ListenPacket("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen %s on udp %s (not socket-activated): %w", name, addr, err)
	}
	return c, nil
}

// Empty reports whether no socket was passed, i.e. the daemon was not
// socket-activated and must listen by itself.
func (a Activated) Empty() bool { return len(a.Listeners)+len(a.PacketConns) == 0 }

// Names lists the names of all passed sockets, sorted.
func (a Activated) Names() []string {
	var n []string
	for k := range a.Listeners {
		n = append(n, k)
	}
	for k := range a.PacketConns {
		n = append(n, k)
	}
	slices.Sort(n)
	return n
}

// Close closes every socket.
func (a Activated) Close() error {
	var errs []error
	for _, l := range a.Listeners {
		errs = append(errs, l.Close())
	}
	for _, c := range a.PacketConns {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}

// Listeners returns the sockets passed by systemd socket activation
// (LISTEN_PID, LISTEN_FDS, LISTEN_FDNAMES) and unsets those variables so
// that child processes do not inherit them. Outside socket activation it
// returns an empty Activated and no error. Each name must be unique; a socket
// without FileDescriptorName is named after its unit by systemd.
func Listeners() (Activated, error) {
	a := Activated{Listeners: map[string]net.Listener{}, PacketConns: map[string]net.PacketConn{}}
	files := activation.Files(true)
	var errs []error
	for _, f := range files {
		if err := a.add(f); err != nil {
			errs = append(errs, err)
		}
		f.Close() // net.FileListener and net.FilePacketConn keep their own duplicate
	}
	if err := errors.Join(errs...); err != nil {
		return Activated{}, errors.Join(err, a.Close())
	}
	return a, nil
}

func (a Activated) add(f *os.File) error {
	name := f.Name()
	if strings.HasPrefix(name, "LISTEN_FD_") {
		return fmt.Errorf("socket activation: fd %d has no FileDescriptorName", f.Fd())
	}
	if a.Listeners[name] != nil || a.PacketConns[name] != nil {
		return fmt.Errorf("socket activation: two sockets named %q; give each socket unit its own FileDescriptorName", name)
	}
	typ, err := unix.GetsockoptInt(int(f.Fd()), unix.SOL_SOCKET, unix.SO_TYPE)
	if err != nil {
		return fmt.Errorf("socket activation: %q (fd %d) is not a socket: %w", name, f.Fd(), err)
	}
	switch typ {
	case unix.SOCK_STREAM:
		l, err := net.FileListener(f)
		if err != nil {
			return fmt.Errorf("socket activation: stream socket %q: %w", name, err)
		}
		a.Listeners[name] = l
	case unix.SOCK_DGRAM:
		c, err := net.FilePacketConn(f)
		if err != nil {
			return fmt.Errorf("socket activation: datagram socket %q: %w", name, err)
		}
		a.PacketConns[name] = c
	default:
		return fmt.Errorf("socket activation: %q has unsupported socket type %d", name, typ)
	}
	return nil
}
