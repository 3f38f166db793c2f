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

// linuxBatch holds the sendmmsg argument arrays, reused under sendMu.
type linuxBatch struct {
	v6    bool // the socket is AF_INET6: IPv4 peers as v4-mapped addresses
	hdrs  [maxBatch]mmsghdr
	iovs  [maxBatch]syscall.Iovec
	addr4 [maxBatch]syscall.RawSockaddrInet4
	addr6 [maxBatch]syscall.RawSockaddrInet6
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
	return &linuxBatch{v6: v6}
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
