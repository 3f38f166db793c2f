package sfu

import (
	"net"
	"net/netip"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// mmsghdr is struct mmsghdr from <sys/socket.h>.
type mmsghdr struct {
	hdr syscall.Msghdr
	len uint32
	_   [4]byte
}

// linuxBatch holds the sendmmsg argument arrays (reused under sendMu)
// and the recvmmsg ones (under readMu).
type linuxBatch struct {
	v6    bool // the socket is AF_INET6: IPv4 peers as v4-mapped addresses
	hdrs  [maxBatch]mmsghdr
	iovs  [maxBatch]syscall.Iovec
	addr4 [maxBatch]syscall.RawSockaddrInet4
	addr6 [maxBatch]syscall.RawSockaddrInet6

	in *receiveBatch
}

// recvBatch is how many datagrams one recvmmsg fetches at most, and
// recvSize the largest datagram kept (the media path sends ≤ 1500 bytes;
// a longer one is truncated by the kernel and dropped here).
const (
	recvBatch = 32
	recvSize  = 2048
)

type receiveBatch struct {
	hdrs  [recvBatch]mmsghdr
	iovs  [recvBatch]syscall.Iovec
	names [recvBatch]syscall.RawSockaddrInet6 // large enough for either family
	bufs  [recvBatch][recvSize]byte
	n     int // datagrams fetched
	next  int // next to hand out
}

func platformBatchSyscalls(c *net.UDPConn) batchSyscalls {
	if c == nil {
		return nil
	}
	raw, err := c.SyscallConn()
	if err != nil {
		return nil
	}
	var sa syscall.Sockaddr
	var serr error
	if err := raw.Control(func(fd uintptr) { sa, serr = syscall.Getsockname(int(fd)) }); err != nil || serr != nil {
		return nil
	}
	_, v6 := sa.(*syscall.SockaddrInet6)
	return &linuxBatch{v6: v6, in: &receiveBatch{}}
}

func (l *linuxBatch) receive(c *net.UDPConn, p []byte) (int, netip.AddrPort, error) {
	in := l.in
	for {
		for in.next < in.n {
			i := in.next
			in.next++
			h := &in.hdrs[i]
			if h.hdr.Flags&syscall.MSG_TRUNC != 0 || int(h.len) > recvSize {
				continue // longer than any media datagram: drop, as pion would
			}
			addr, ok := sockaddrToAddrPort(&in.names[i])
			if !ok {
				continue
			}
			return copy(p, in.bufs[i][:h.len]), addr, nil
		}
		if err := l.fetch(c); err != nil {
			return 0, netip.AddrPort{}, err
		}
	}
}

// fetch waits for at least one datagram and takes up to recvBatch.
func (l *linuxBatch) fetch(c *net.UDPConn) error {
	in := l.in
	for i := range in.hdrs {
		in.iovs[i].Base = &in.bufs[i][0]
		in.iovs[i].SetLen(recvSize)
		in.hdrs[i] = mmsghdr{}
		in.hdrs[i].hdr.Iov = &in.iovs[i]
		in.hdrs[i].hdr.Iovlen = 1
		in.hdrs[i].hdr.Name = (*byte)(unsafe.Pointer(&in.names[i]))
		in.hdrs[i].hdr.Namelen = syscall.SizeofSockaddrInet6
	}
	in.n, in.next = 0, 0
	raw, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var recvErr error
	err = raw.Read(func(fd uintptr) bool {
		r, _, errno := syscall.Syscall6(unix.SYS_RECVMMSG, fd,
			uintptr(unsafe.Pointer(&in.hdrs[0])), recvBatch, 0, 0, 0)
		switch errno {
		case 0:
			in.n = int(r)
		case syscall.EAGAIN, syscall.EINTR:
			return false // wait until readable (or the deadline)
		default:
			recvErr = errno
		}
		return true
	})
	if err != nil {
		return err
	}
	return recvErr
}

// sockaddrToAddrPort decodes the source address recvmmsg filled in.
func sockaddrToAddrPort(sa *syscall.RawSockaddrInet6) (netip.AddrPort, bool) {
	switch sa.Family {
	case syscall.AF_INET6:
		port := (*[2]byte)(unsafe.Pointer(&sa.Port))
		ip := netip.AddrFrom16(sa.Addr)
		if sa.Scope_id != 0 { // link-local peer: named by interface, as net does
			if ifi, err := net.InterfaceByIndex(int(sa.Scope_id)); err == nil {
				ip = ip.WithZone(ifi.Name)
			}
		}
		return netip.AddrPortFrom(ip, uint16(port[0])<<8|uint16(port[1])), true
	case syscall.AF_INET:
		sa4 := (*syscall.RawSockaddrInet4)(unsafe.Pointer(sa))
		port := (*[2]byte)(unsafe.Pointer(&sa4.Port))
		return netip.AddrPortFrom(netip.AddrFrom4(sa4.Addr), uint16(port[0])<<8|uint16(port[1])), true
	}
	return netip.AddrPort{}, false
}

func (l *linuxBatch) sendBatch(c *net.UDPConn, b *datagramBatch) error {
	n := 0 // messages packed
	for i := 0; i < b.n; i++ {
		if !l.pack(n, b.bufs[i], b.addrs[i]) {
			// A scoped (link-local) IPv6 peer: the kernel needs the
			// interface index, which net resolves for us.
			_, _ = c.WriteToUDPAddrPort(b.bufs[i], b.addrs[i])
			continue
		}
		n++
	}
	raw, err := c.SyscallConn()
	if err != nil {
		return err
	}
	sent := 0
	var sendErr error
	for sent < n {
		werr := raw.Write(func(fd uintptr) bool {
			r, _, errno := syscall.Syscall6(unix.SYS_SENDMMSG, fd,
				uintptr(unsafe.Pointer(&l.hdrs[sent])), uintptr(n-sent), 0, 0, 0)
			switch {
			case errno == syscall.EAGAIN:
				return false // wait until writable
			case errno == syscall.EINTR:
				return false
			case errno != 0:
				// The first message failed (e.g. EPERM from a firewall
				// rule for that peer): drop it and go on with the rest.
				sendErr = errno
				sent++
			default:
				sent += int(r)
			}
			return true
		})
		if werr != nil {
			return werr
		}
	}
	return sendErr
}

// pack fills slot i for datagram p to addr.
func (l *linuxBatch) pack(i int, p []byte, addr netip.AddrPort) bool {
	h := &l.hdrs[i]
	*h = mmsghdr{}
	iov := &l.iovs[i]
	iov.Base = unsafe.SliceData(p)
	iov.SetLen(len(p))
	h.hdr.Iov = iov
	h.hdr.Iovlen = 1
	ip := addr.Addr()
	if ip.Zone() != "" {
		return false
	}
	port := addr.Port()
	switch {
	case l.v6:
		sa := &l.addr6[i]
		*sa = syscall.RawSockaddrInet6{Family: syscall.AF_INET6, Addr: ip.As16()}
		putPort(&sa.Port, port)
		h.hdr.Name = (*byte)(unsafe.Pointer(sa))
		h.hdr.Namelen = syscall.SizeofSockaddrInet6
	case ip.Is4() || ip.Is4In6():
		sa := &l.addr4[i]
		*sa = syscall.RawSockaddrInet4{Family: syscall.AF_INET, Addr: ip.Unmap().As4()}
		putPort(&sa.Port, port)
		h.hdr.Name = (*byte)(unsafe.Pointer(sa))
		h.hdr.Namelen = syscall.SizeofSockaddrInet4
	default:
		return false // IPv6 peer on an IPv4 socket: cannot be sent at all
	}
	return true
}

// putPort stores port in network byte order, whatever the host's.
func putPort(dst *uint16, port uint16) {
	b := (*[2]byte)(unsafe.Pointer(dst))
	b[0], b[1] = byte(port>>8), byte(port)
}
