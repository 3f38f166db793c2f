package web

import (
	"errors"
	"net"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// idlePoller asks the kernel which idle connections have bytes to read
// (one epoll instance, one goroutine waiting on it) and reads each in a
// goroutine of its own only then. Registrations are one-shot: a
// connection is reported again only after its reader re-arms it, so at
// most one goroutine reads a connection at a time.
type idlePoller struct {
	ep    int
	mu    sync.Mutex
	conns map[uint64]*idleConn
	next  uint64
	done  chan struct{}
	once  sync.Once
}

func newIdlePoller() *idlePoller {
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil // every connection gets its own reader instead
	}
	p := &idlePoller{ep: ep, conns: map[uint64]*idleConn{}, done: make(chan struct{})}
	go p.loop()
	return p
}

const idleEvents = unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLONESHOT

// watch registers w; false means it cannot be watched (no socket under
// it, or no poller) and needs readLoop.
func (p *idlePoller) watch(w *idleConn) bool {
	if p == nil {
		return false
	}
	fd, ok := socketFD(w.raw)
	if !ok {
		return false
	}
	p.mu.Lock()
	p.next++
	w.p, w.id, w.fd = p, p.next, fd
	p.conns[w.id] = w
	p.mu.Unlock()
	w.mu.Lock()
	defer w.mu.Unlock()
	ev := unix.EpollEvent{Events: idleEvents, Fd: int32(w.id), Pad: int32(w.id >> 32)}
	if err := unix.EpollCtl(p.ep, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		p.mu.Lock()
		delete(p.conns, w.id)
		p.mu.Unlock()
		w.p = nil
		return false
	}
	return true
}

// rearm hands w back to the kernel after its reader is done.
func (p *idlePoller) rearm(w *idleConn) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ended {
		return
	}
	ev := unix.EpollEvent{Events: idleEvents, Fd: int32(w.id), Pad: int32(w.id >> 32)}
	if unix.EpollCtl(p.ep, unix.EPOLL_CTL_MOD, w.fd, &ev) != nil {
		go w.end()
	}
}

// forget removes w; its caller holds w.mu and closes the socket next.
func (p *idlePoller) forget(w *idleConn) {
	unix.EpollCtl(p.ep, unix.EPOLL_CTL_DEL, w.fd, nil)
	p.mu.Lock()
	delete(p.conns, w.id)
	p.mu.Unlock()
}

func (p *idlePoller) loop() {
	events := make([]unix.EpollEvent, 256)
	for {
		// a timeout, so that close is noticed without a wake-up descriptor
		n, err := unix.EpollWait(p.ep, events, 500)
		select {
		case <-p.done:
			unix.Close(p.ep)
			return
		default:
		}
		if err != nil && !errors.Is(err, syscall.EINTR) {
			return
		}
		for _, ev := range events[:max(n, 0)] {
			id := uint64(uint32(ev.Fd)) | uint64(uint32(ev.Pad))<<32
			p.mu.Lock()
			w := p.conns[id]
			p.mu.Unlock()
			if w != nil {
				go p.serve(w)
			}
		}
	}
}

func (p *idlePoller) serve(w *idleConn) {
	if !w.readAvailable() {
		w.end()
		return
	}
	p.rearm(w)
}

func (p *idlePoller) close() {
	if p != nil {
		p.once.Do(func() { close(p.done) })
	}
}

// socketFD finds the socket under a connection (through TLS).
func socketFD(c net.Conn) (int, bool) {
	for {
		if u, ok := c.(interface{ NetConn() net.Conn }); ok {
			c = u.NetConn()
			continue
		}
		break
	}
	sc, ok := c.(syscall.Conn)
	if !ok {
		return 0, false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return 0, false
	}
	fd := -1
	if rc.Control(func(f uintptr) { fd = int(f) }) != nil || fd < 0 {
		return 0, false
	}
	return fd, true
}
