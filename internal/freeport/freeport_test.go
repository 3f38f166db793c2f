package freeport

import (
	"net"
	"strconv"
	"testing"
)

// Many draws in a row never repeat a port, although each socket is closed
// before the next draw and the kernel may offer a closed port again.
func TestDrawsNeverRepeat(t *testing.T) {
	seen := map[int]bool{}
	for range 500 {
		p := TCP(t, "127.0.0.1")
		if seen[p] {
			t.Fatalf("port %d handed out twice", p)
		}
		seen[p] = true
	}
}

// A port handed out is free: the peer it is meant for can bind it.
func TestDrawnPortsCanBeBound(t *testing.T) {
	l, err := net.Listen("tcp", Addr(t))
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	c, err := net.ListenPacket("udp", net.JoinHostPort("127.0.0.1", strconv.Itoa(UDP(t, "127.0.0.1"))))
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
}
