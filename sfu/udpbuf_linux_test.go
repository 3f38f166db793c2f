package sfu

import (
	"net"
	"syscall"
	"testing"
)

// The single media socket carries every room's packets; with the kernel's
// 208 KiB default, synchronised frame bursts of a few dozen publishers
// overflow it (bench/SFU.md). The tests run as root (CAP_NET_ADMIN), as
// the demo does; under systemd the socket unit sets the size.
func TestUDPBuffersSizedAtStart(t *testing.T) {
	env := newTestEnv(t, Config{})
	got := env.sfu.UDPBuffers()
	if got.Receive < defaultUDPBufferBytes || got.Send < defaultUDPBufferBytes {
		t.Fatalf("media socket buffers %+v, want at least %d bytes each (are the tests running as root?)", got, defaultUDPBufferBytes)
	}
}

func TestUDPBuffersNeverShrinkAnInheritedSocket(t *testing.T) {
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	const big = 16 << 20 // as if the socket unit had said ReceiveBuffer=16M
	raw, _ := c.(*net.UDPConn).SyscallConn()
	_ = raw.Control(func(fd uintptr) { _ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUFFORCE, big) })
	env := newTestEnv(t, Config{UDPConn: c})
	if got := env.sfu.UDPBuffers().Receive; got < big {
		t.Fatalf("inherited receive buffer shrank to %d bytes, want >= %d", got, big)
	}
}
