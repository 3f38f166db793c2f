package sfu

import (
	"errors"
	"net"
	"syscall"
)

// UDPBuffers is the effective kernel buffer size of the ICE UDP socket.
type UDPBuffers struct {
	Receive, Send int // bytes as the kernel reports them (Linux doubles the request)
}

// sizeUDPBuffers asks for want bytes of receive and send buffer on c.
// Without privileges Linux caps the request at net.core.rmem_max /
// wmem_max (208 KiB by default); with CAP_NET_ADMIN (tests, a root
// demo) SO_RCVBUFFORCE/SO_SNDBUFFORCE go past the cap. Under systemd the
// socket unit sets ReceiveBuffer=/SendBuffer= before the service starts,
// and the VM image raises the sysctls; whichever is larger wins, we never
// shrink a buffer. It returns the sizes the kernel reports.
func sizeUDPBuffers(c net.PacketConn, want int) (UDPBuffers, error) {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return UDPBuffers{}, errors.New("sfu: UDP socket does not expose its descriptor")
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return UDPBuffers{}, err
	}
	var got UDPBuffers
	var sockErr error
	err = raw.Control(func(fd uintptr) {
		got.Receive, sockErr = growBuffer(int(fd), syscall.SO_RCVBUF, soRcvbufForce, want)
		if sockErr != nil {
			return
		}
		got.Send, sockErr = growBuffer(int(fd), syscall.SO_SNDBUF, soSndbufForce, want)
	})
	return got, errors.Join(err, sockErr)
}

// growBuffer raises one buffer option to at least want (as requested;
// the kernel reports double), trying the capped option first and the
// forcing one after.
func growBuffer(fd, opt, force, want int) (int, error) {
	cur, err := syscall.GetsockoptInt(fd, syscall.SOL_SOCKET, opt)
	if err != nil {
		return 0, err
	}
	if cur >= 2*want { // already large enough (socket unit, sysctl)
		return cur, nil
	}
	_ = syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, opt, want)
	if cur, err = syscall.GetsockoptInt(fd, syscall.SOL_SOCKET, opt); err == nil && cur < 2*want && force != 0 {
		_ = syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, force, want) // EPERM without CAP_NET_ADMIN
		cur, err = syscall.GetsockoptInt(fd, syscall.SOL_SOCKET, opt)
	}
	return cur, err
}
