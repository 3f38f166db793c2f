package buffer

import (
	"bytes"
	"testing"
)

func packet(seq uint16, n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(int(seq) + i)
	}
	return p
}

func TestPutGetAcrossSequenceWrap(t *testing.T) {
	b := New(MaxPacketSize*4, 4)
	dst := make([]byte, MaxPacketSize)
	for seq := uint16(65530); seq != 3; seq++ {
		b.Put(seq, packet(seq, 10))
	}
	tests := []struct {
		seq  uint16
		want []byte
	}{
		{65535, packet(65535, 10)},
		{2, packet(2, 10)},
		{65530, nil}, // index slot reused by a newer packet
		{100, nil},   // never stored
	}
	for _, tc := range tests {
		n := b.Get(tc.seq, dst)
		if !bytes.Equal(dst[:n], tc.want) {
			t.Errorf("Get(%d) = %v, want %v", tc.seq, dst[:n], tc.want)
		}
	}
}

// The arena, not the index, limits the history of large packets: once
// the writer has come round, an older packet is gone even though its
// index slot still names it, and never returned half overwritten.
func TestArenaOverwriteInvalidatesOldPackets(t *testing.T) {
	const size = 1200
	b := New(MaxPacketSize*3, 256) // room for 3 packets of 1200 bytes (tail skipped at wrap)
	dst := make([]byte, MaxPacketSize)
	for seq := uint16(0); seq < 10; seq++ {
		b.Put(seq, packet(seq, size))
		for back := uint16(0); back <= seq; back++ {
			old := seq - back
			n := b.Get(old, dst)
			switch {
			case back < 3 && !bytes.Equal(dst[:n], packet(old, size)):
				t.Fatalf("after Put(%d): Get(%d) = %d bytes, want the packet intact", seq, old, n)
			case back >= 3 && n != 0:
				t.Fatalf("after Put(%d): Get(%d) returned %d bytes of an overwritten packet", seq, old, n)
			}
		}
	}
}

// Small packets share the arena: many more than with one MTU slot each.
func TestSmallPacketsShareTheArena(t *testing.T) {
	b := New(MaxPacketSize*4, 64)
	dst := make([]byte, MaxPacketSize)
	for seq := uint16(0); seq < 40; seq++ {
		b.Put(seq, packet(seq, 120))
	}
	for seq := uint16(0); seq < 40; seq++ {
		if n := b.Get(seq, dst); !bytes.Equal(dst[:n], packet(seq, 120)) {
			t.Fatalf("Get(%d) = %d bytes, want the 120-byte packet", seq, n)
		}
	}
}

func TestOversizedAndEmptyNotStored(t *testing.T) {
	b := New(MaxPacketSize*2, 2)
	b.Put(1, make([]byte, MaxPacketSize+1))
	b.Put(2, nil)
	for _, seq := range []uint16{1, 2} {
		if n := b.Get(seq, make([]byte, 2000)); n != 0 {
			t.Fatalf("Get(%d) returned %d bytes", seq, n)
		}
	}
}

func BenchmarkPut(b *testing.B) {
	buf := New(96<<10, 256)
	pkt := packet(0, 1100)
	b.SetBytes(int64(len(pkt)))
	for i := 0; i < b.N; i++ {
		buf.Put(uint16(i), pkt)
	}
}
