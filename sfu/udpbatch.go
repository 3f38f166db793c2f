package sfu

import (
	"net"
	"net/netip"
	"sync"
)

// batchConn is the ICE UDP socket as pion's UDP mux sees it. While some
// goroutine holds a batch (see hold), datagrams are queued and leave in
// one sendmmsg(2) when the last hold on them is released, instead of one
// sendto(2) each: a packet fanned out to 50 subscribers costs one system
// call, not 50. Outside a hold every write goes out at once, so nothing
// is delayed by batching; release always sends what is queued, so a
// packet never waits for another goroutine.
//
// Ordering: release serialises flushes (sendMu), so packets one goroutine
// queued in two successive batches leave in that order.
type batchConn struct {
	*net.UDPConn
	sys batchSyscalls // sendmmsg where available

	readMu sync.Mutex // the receive side's batch (pion reads from one goroutine)
	sendMu sync.Mutex // one flush at a time
	mu     sync.Mutex // holds, queue
	holds  int
	queue  *datagramBatch
	spare  *datagramBatch // owned by whoever holds sendMu
}

// batchSyscalls moves many datagrams per system call. sendBatch is
// called under sendMu, receive under readMu.
type batchSyscalls interface {
	sendBatch(c *net.UDPConn, msgs *datagramBatch) error
	receive(c *net.UDPConn, p []byte) (int, netip.AddrPort, error)
}

// maxBatch bounds one sendmmsg call and the queue's memory (≈ 96 KiB).
const maxBatch = 64

type datagramBatch struct {
	n     int
	bufs  [maxBatch][]byte
	addrs [maxBatch]netip.AddrPort
}

func newDatagramBatch() *datagramBatch {
	b := &datagramBatch{}
	for i := range b.bufs {
		b.bufs[i] = make([]byte, 0, 1500)
	}
	return b
}

// newBatchConn wraps c; without a batching system call (non-Linux) it
// returns c unchanged.
func newBatchConn(c net.PacketConn) net.PacketConn {
	u, ok := c.(*net.UDPConn)
	sys := platformBatchSyscalls(u)
	if !ok || sys == nil {
		return c
	}
	return &batchConn{UDPConn: u, sys: sys, queue: newDatagramBatch(), spare: newDatagramBatch()}
}

// hold starts a batch; call release when the burst of writes is done.
func (c *batchConn) hold() {
	c.mu.Lock()
	c.holds++
	c.mu.Unlock()
}

// release ends a batch and sends everything queued.
func (c *batchConn) release() {
	c.mu.Lock()
	c.holds--
	empty := c.queue.n == 0
	c.mu.Unlock()
	if !empty {
		c.flush()
	}
}

func (c *batchConn) flush() {
	c.sendMu.Lock()
	defer c.sendMu.Unlock()
	c.mu.Lock()
	b := c.queue
	c.queue, c.spare = c.spare, b
	c.mu.Unlock()
	if b.n == 0 {
		return
	}
	_ = c.sys.sendBatch(c.UDPConn, b) // UDP: a datagram the kernel refuses is lost, as with sendto
	b.n = 0
}

// WriteToAddrPort is what pion's UDP mux calls for every datagram.
func (c *batchConn) WriteToAddrPort(p []byte, addr netip.AddrPort) (int, error) {
	for {
		c.mu.Lock()
		if c.holds == 0 || len(p) > cap(c.queue.bufs[0]) {
			c.mu.Unlock()
			return c.UDPConn.WriteToUDPAddrPort(p, addr)
		}
		q := c.queue
		if q.n == maxBatch { // full (another writer filled it): send it first
			c.mu.Unlock()
			c.flush()
			continue
		}
		q.bufs[q.n] = append(q.bufs[q.n][:0], p...)
		q.addrs[q.n] = addr
		q.n++
		c.mu.Unlock()
		return len(p), nil
	}
}

// ReadFromAddrPort is what pion's UDP mux calls, from its one reader
// goroutine, for every datagram. Datagrams are fetched up to maxBatch at
// a time (recvmmsg(2)) and handed out one by one: when packets queue up
// under load, one system call serves many; when idle, it waits as a
// plain read would.
func (c *batchConn) ReadFromAddrPort(p []byte) (int, netip.AddrPort, error) {
	c.readMu.Lock()
	defer c.readMu.Unlock()
	return c.sys.receive(c.UDPConn, p)
}
