package web

import (
	"encoding/binary"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// A waiting citizen's browser sends nothing but control frames: pongs to
// our pings and, at the end, a close. Parking a goroutine in Read for each
// of ten thousand such connections costs its stack (4–8 KiB) for nothing,
// so the citizen stream reads them differently: the connection is watched
// by the kernel (epoll on Linux, idleread_linux.go) and read only when it
// has bytes, by a short-lived goroutine that parses the frames itself
// (RFC 6455, section 5) and returns when nothing more is buffered.

// idleConn is a WebSocket whose client only answers and closes.
type idleConn struct {
	c    *citizenConn
	raw  net.Conn    // under the WebSocket (usually a *tls.Conn)
	p    *idlePoller // nil: read by readLoop
	fd   int         // the socket, while registered; guarded by mu
	id   uint64
	seen atomic.Int64 // Unix nanoseconds of the last frame from the client

	mu      sync.Mutex // guards ended, fd use after registration, partial
	ended   bool
	partial []byte // the bytes of an incomplete frame; nil almost always
	onEnd   func() // runs once, after the connection is closed
}

// Waits while reading: a record or frame that has begun is given
// firstByteWait to complete; after a complete frame, bytes that came with
// it are read within moreWait, then the connection goes back to the kernel.
const (
	firstByteWait = 10 * time.Second
	moreWait      = 2 * time.Millisecond
)

var readBufs = sync.Pool{New: func() any { b := make([]byte, 512); return &b }}

// readAvailable reads and handles what the client has sent; it reports
// false when the connection is over (closed by the client, a protocol
// error or a frame over the limit). Only one goroutine reads at a time.
func (w *idleConn) readAvailable() bool {
	bp := readBufs.Get().(*[]byte)
	defer readBufs.Put(bp)
	wait := firstByteWait
	for {
		w.raw.SetReadDeadline(time.Now().Add(wait))
		n, err := w.raw.Read(*bp)
		if n > 0 && !w.consume((*bp)[:n]) {
			return false
		}
		if err != nil {
			var ne net.Error
			// a timeout leaves a TLS connection usable (crypto/tls keeps a
			// partial record); the kernel says when more arrives
			return errors.As(err, &ne) && ne.Timeout()
		}
		wait = moreWait
	}
}

// consume appends b to what is pending and handles every complete frame.
func (w *idleConn) consume(b []byte) bool {
	w.mu.Lock()
	buf := b // parsed in place: b is the reader's own buffer
	if w.partial != nil {
		buf = append(w.partial, b...)
	}
	w.mu.Unlock()
	for {
		f, n, ok := parseFrame(buf)
		if !ok {
			break
		}
		if f.err != 0 {
			w.c.write(opClose, closeFrame(f.err, ""))
			return false
		}
		w.seen.Store(time.Now().UnixNano())
		switch f.op {
		case opPing:
			if w.c.write(opPong, f.payload) != nil {
				return false
			}
		case opClose:
			w.c.write(opClose, closeFrame(closeNormal, ""))
			return false
		}
		buf = buf[n:]
	}
	w.mu.Lock()
	if len(buf) == 0 {
		w.partial = nil
	} else {
		w.partial = append([]byte(nil), buf...)
	}
	w.mu.Unlock()
	return true
}

// frame is one client frame: its opcode and unmasked payload, or the
// close code of a violation.
type frame struct {
	op      int
	payload []byte
	err     int
}

// parseFrame reads one frame from the front of b; ok is false while b
// does not yet hold a whole frame. Clients must mask (RFC 6455 5.1);
// control frames are final and at most 125 bytes; a data frame may carry
// up to readLimit bytes (the citizen stream expects none).
func parseFrame(b []byte) (f frame, n int, ok bool) {
	if len(b) < 2 {
		return f, 0, false
	}
	f.op = int(b[0] & 0x0f)
	fin, masked := b[0]&0x80 != 0, b[1]&0x80 != 0
	size, n := uint64(b[1]&0x7f), 2
	switch size {
	case 126:
		if len(b) < 4 {
			return f, 0, false
		}
		size, n = uint64(binary.BigEndian.Uint16(b[2:])), 4
	case 127:
		if len(b) < 10 {
			return f, 0, false
		}
		size, n = binary.BigEndian.Uint64(b[2:]), 10
	}
	control := f.op >= 8
	switch {
	case b[0]&0x70 != 0 || !masked || control && (!fin || size > 125) || f.op > 10 || f.op > 2 && f.op < 8:
		f.err = closeProtocolError
		return f, n, true
	case size > readLimit:
		f.err = closeMessageTooBig
		return f, n, true
	}
	if uint64(len(b)-n) < 4+size {
		return f, 0, false
	}
	key := b[n : n+4]
	n += 4
	f.payload = b[n : n+int(size)]
	for i := range f.payload {
		f.payload[i] ^= key[i&3]
	}
	return f, n + int(size), true
}

// end closes the connection once and runs onEnd.
func (w *idleConn) end() {
	w.mu.Lock()
	if w.ended {
		w.mu.Unlock()
		return
	}
	w.ended = true
	if w.p != nil {
		w.p.forget(w) // before the socket closes and its number can be reused
	}
	w.c.conn.Close()
	w.partial = nil
	w.mu.Unlock()
	w.onEnd()
}

// readLoop is the fallback for a connection the kernel cannot watch for
// us: one goroutine reads it until it ends.
func (w *idleConn) readLoop() {
	for {
		w.raw.SetReadDeadline(time.Now().Add(2 * pingPeriod))
		bp := readBufs.Get().(*[]byte)
		n, err := w.raw.Read(*bp)
		ok := n == 0 || w.consume((*bp)[:n])
		readBufs.Put(bp)
		if !ok || err != nil {
			w.end()
			return
		}
	}
}

// stale reports whether the client has answered nothing for longer than
// two ping periods.
func (w *idleConn) stale(now time.Time) bool {
	return now.Sub(time.Unix(0, w.seen.Load())) > 2*pingPeriod
}
