// Package buffer keeps the recent RTP packets of one upstream track so
// that subscribers' NACKs are answered without asking the publisher. It
// owns packet storage only; it does not parse or rewrite packets.
package buffer

import "sync"

// MaxPacketSize is the largest RTP packet a slot holds; larger packets are
// not stored (they would not fit a typical path MTU anyway).
const MaxPacketSize = 1500

// slot is one stored packet: its RTP sequence number and raw bytes.
type slot struct {
	seq   uint16
	valid bool
	n     int
	data  [MaxPacketSize]byte
}

// Buffer is a fixed-size ring of the last Size packets, indexed by
// sequence number modulo Size. Writes come from the track's read loop,
// reads from NACK handlers; a mutex is enough because both are short.
type Buffer struct {
	mu    sync.Mutex
	slots []slot
}

// New returns a buffer for size packets; size must be a power of two.
func New(size int) *Buffer {
	if size <= 0 || size&(size-1) != 0 {
		panic("buffer: size must be a power of two")
	}
	return &Buffer{slots: make([]slot, size)}
}

// Put stores a copy of the raw packet pkt with sequence number seq.
func (b *Buffer) Put(seq uint16, pkt []byte) {
	if len(pkt) > MaxPacketSize {
		return
	}
	b.mu.Lock()
	s := &b.slots[int(seq)&(len(b.slots)-1)]
	s.seq, s.valid, s.n = seq, true, copy(s.data[:], pkt)
	b.mu.Unlock()
}

// Get copies the packet with sequence number seq into dst and returns the
// number of bytes, or 0 if it has been overwritten or was never stored.
func (b *Buffer) Get(seq uint16, dst []byte) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := &b.slots[int(seq)&(len(b.slots)-1)]
	if !s.valid || s.seq != seq {
		return 0
	}
	return copy(dst, s.data[:s.n])
}
