package sfu

import (
	"bytes"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"syscall"
	"testing"
	"time"
)

func udpReceiver(t *testing.T) (*net.UDPConn, netip.AddrPort) {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	forceReceiveBuffer(c)
	return c, c.LocalAddr().(*net.UDPAddr).AddrPort()
}

// forceReceiveBuffer makes room for every datagram of a test (as root:
// past net.core.rmem_max).
func forceReceiveBuffer(c *net.UDPConn) {
	raw, _ := c.SyscallConn()
	_ = raw.Control(func(fd uintptr) {
		_ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUFFORCE, 8<<20)
	})
}

// batchListener is a batchConn on loopback: "udp4", or "udp" for a
// dual-stack socket.
func batchListener(t *testing.T, network string) *batchConn {
	t.Helper()
	addr := "127.0.0.1:0"
	if network == "udp" {
		addr = "[::]:0"
	}
	pc, err := net.ListenPacket(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	bc, ok := newBatchConn(pc).(*batchConn)
	if !ok {
		t.Fatal("no batching on Linux")
	}
	t.Cleanup(func() { _ = bc.Close() })
	return bc
}

func datagram(dst, i int) []byte {
	return []byte(fmt.Sprintf("to %d, datagram %04d %s", dst, i, bytes.Repeat([]byte{'x'}, i%900)))
}

// expect reads n datagrams from c and checks content and order.
func expect(t *testing.T, c *net.UDPConn, dst, n int) {
	t.Helper()
	buf := make([]byte, 2000)
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	for i := 0; i < n; i++ {
		m, _, err := c.ReadFromUDPAddrPort(buf)
		if err != nil {
			t.Fatalf("receiver %d: datagram %d: %v", dst, i, err)
		}
		if want := datagram(dst, i); !bytes.Equal(buf[:m], want) {
			t.Fatalf("receiver %d: datagram %d is %q, want %q", dst, i, buf[:m], want)
		}
	}
}

// A hold of more datagrams than one sendmmsg carries, to several peers,
// from an IPv4 and from a dual-stack socket (IPv4 peers as v4-mapped).
func TestBatchConnDeliversEveryDatagramInOrder(t *testing.T) {
	for _, network := range []string{"udp4", "udp"} {
		t.Run(network, func(t *testing.T) {
			bc := batchListener(t, network)
			const peers, per = 3, 150 // 450 datagrams: several full batches
			recv := make([]*net.UDPConn, peers)
			dst := make([]netip.AddrPort, peers)
			for i := range recv {
				recv[i], dst[i] = udpReceiver(t)
			}
			bc.hold()
			for i := 0; i < per; i++ {
				for p := range dst {
					if _, err := bc.WriteToAddrPort(datagram(p, i), dst[p]); err != nil {
						t.Fatal(err)
					}
				}
			}
			bc.release()
			for p := range recv {
				expect(t, recv[p], p, per)
			}
		})
	}
}

// Outside a hold a write leaves at once; concurrent holders never lose or
// reorder one goroutine's datagrams.
func TestBatchConnConcurrentHolders(t *testing.T) {
	bc := batchListener(t, "udp4")
	r0, a0 := udpReceiver(t)
	if _, err := bc.WriteToAddrPort(datagram(0, 0), a0); err != nil {
		t.Fatal(err)
	}
	expect(t, r0, 0, 1) // no release needed

	const writers, per = 4, 500
	recv := make([]*net.UDPConn, writers)
	dst := make([]netip.AddrPort, writers)
	for i := range recv {
		recv[i], dst[i] = udpReceiver(t)
	}
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < per; {
				bc.hold() // batches of 1 to 100 datagrams, overlapping other writers'
				for end := min(per, i+1+(i*7+w*13)%100); i < end; i++ {
					_, _ = bc.WriteToAddrPort(datagram(w, i), dst[w])
				}
				bc.release()
			}
		}()
	}
	wg.Wait()
	for w := range recv {
		expect(t, recv[w], w, per)
	}
}

// Reading: more datagrams queued than one recvmmsg takes, from several
// senders, come out one by one with their source addresses; a datagram
// longer than any media packet is dropped without losing the next one.
func TestBatchConnReceivesEveryDatagramWithItsSource(t *testing.T) {
	for _, network := range []string{"udp4", "udp"} {
		t.Run(network, func(t *testing.T) {
			bc := batchListener(t, network)
			forceReceiveBuffer(bc.UDPConn)
			port := bc.LocalAddr().(*net.UDPAddr).Port
			to := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}
			const senders, per = 3, 40 // 120 datagrams queued before the first read
			src := make([]netip.AddrPort, senders)
			conns := make([]*net.UDPConn, senders)
			for s := range conns {
				conns[s], src[s] = udpReceiver(t)
			}
			for i := 0; i < per; i++ {
				for s, c := range conns {
					if i == per/2 && s == 0 {
						if _, err := c.WriteToUDP(make([]byte, 3000), to); err != nil { // oversized
							t.Fatal(err)
						}
					}
					if _, err := c.WriteToUDP(datagram(s, i), to); err != nil {
						t.Fatal(err)
					}
				}
			}
			next := make([]int, senders)
			buf := make([]byte, 1500)
			_ = bc.SetReadDeadline(time.Now().Add(5 * time.Second))
			for got := 0; got < senders*per; got++ {
				n, from, err := bc.ReadFromAddrPort(buf)
				if err != nil {
					t.Fatalf("after %d datagrams: %v", got, err)
				}
				s := -1
				for k, a := range src {
					if a.Port() == from.Port() && a.Addr() == from.Addr().Unmap() {
						s = k
					}
				}
				if s < 0 {
					t.Fatalf("datagram from unknown source %v (senders %v)", from, src)
				}
				if want := datagram(s, next[s]); !bytes.Equal(buf[:n], want) {
					t.Fatalf("from sender %d: got %q, want %q", s, buf[:n], want)
				}
				next[s]++
			}
		})
	}
}
