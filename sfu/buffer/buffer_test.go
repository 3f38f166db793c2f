package buffer

import (
	"bytes"
	"testing"
)

func TestPutGet(t *testing.T) {
	b := New(4)
	dst := make([]byte, MaxPacketSize)
	for seq := uint16(65530); seq != 3; seq++ {
		b.Put(seq, []byte{byte(seq)})
	}
	tests := []struct {
		seq  uint16
		want []byte
	}{
		{65535, []byte{255}},
		{2, []byte{2}},
		{65530, nil}, // overwritten
		{100, nil},   // never stored
	}
	for _, tc := range tests {
		n := b.Get(tc.seq, dst)
		if !bytes.Equal(dst[:n], tc.want) {
			t.Errorf("Get(%d) = %v, want %v", tc.seq, dst[:n], tc.want)
		}
	}
}

func TestOversizedNotStored(t *testing.T) {
	b := New(2)
	b.Put(1, make([]byte, MaxPacketSize+1))
	if n := b.Get(1, make([]byte, 2000)); n != 0 {
		t.Fatalf("oversized packet stored (%d bytes)", n)
	}
}
