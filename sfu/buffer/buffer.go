// Package buffer keeps the recent RTP packets of one upstream track so
// that subscribers' NACKs are answered without asking the publisher. It
// owns packet storage only; it does not parse or rewrite packets.
//
// Packets are stored back to back in a byte arena, so memory follows the
// bitrate rather than the packet count: a fixed slot per packet would
// reserve a full MTU for every 300-byte low-layer or padding packet.
package buffer

import "sync"

// MaxPacketSize is the largest RTP packet stored; larger packets are not
// (they would not fit a typical path MTU anyway).
const MaxPacketSize = 1500

// entry locates one stored packet in the arena. start is an absolute byte
// position (bytes ever written), so a packet is intact as long as the
// writer has not come round to it again.
type entry struct {
	start uint64
	seq   uint16
	n     uint16
	valid bool
}

// Buffer is a byte ring holding the most recent packets, with an index by
// sequence number modulo the index size. Writes come from the track's
// read loop, reads from NACK handlers; a mutex is enough because both are
// short.
type Buffer struct {
	mu    sync.Mutex
	arena []byte
	pos   uint64 // absolute write position
	index []entry
}

// New returns a buffer of arenaBytes bytes that indexes up to slots
// packets; slots must be a power of two and arenaBytes at least
// MaxPacketSize.
func New(arenaBytes, slots int) *Buffer {
	if slots <= 0 || slots&(slots-1) != 0 {
		panic("buffer: slots must be a power of two")
	}
	if arenaBytes < MaxPacketSize {
		panic("buffer: arena smaller than one packet")
	}
	return &Buffer{arena: make([]byte, arenaBytes), index: make([]entry, slots)}
}

// Put stores a copy of the raw packet pkt with sequence number seq.
func (b *Buffer) Put(seq uint16, pkt []byte) {
	n := len(pkt)
	if n == 0 || n > MaxPacketSize {
		return
	}
	b.mu.Lock()
	size := uint64(len(b.arena))
	off := b.pos % size
	if off+uint64(n) > size { // no room before the end: skip the tail
		b.pos += size - off
		off = 0
	}
	copy(b.arena[off:], pkt)
	b.index[int(seq)&(len(b.index)-1)] = entry{start: b.pos, seq: seq, n: uint16(n), valid: true}
	b.pos += uint64(n)
	b.mu.Unlock()
}

// Get copies the packet with sequence number seq into dst and returns the
// number of bytes, or 0 if it has been overwritten or was never stored.
func (b *Buffer) Get(seq uint16, dst []byte) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	e := b.index[int(seq)&(len(b.index)-1)]
	size := uint64(len(b.arena))
	if !e.valid || e.seq != seq || b.pos-e.start > size {
		return 0
	}
	off := e.start % size
	return copy(dst, b.arena[off:off+uint64(e.n)])
}
