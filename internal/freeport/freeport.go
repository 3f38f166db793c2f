// Package freeport hands tests port numbers for peers that open their own
// sockets (Pebble, Dendrite, HAProxy, a second appliance process): a number
// is drawn from the kernel and the socket closed again, so the peer can bind it.
//
// The kernel may give the same number to two draws in a row once the first
// socket is closed, and two peers told the same port fail with "address
// already in use" (Pebble's ACME and management listeners did so in CI). So a
// number this process has handed out is never handed out again: a draw that
// returns one keeps that socket open while it draws again.
package freeport

import (
	"fmt"
	"net"
	"strconv"
	"sync"
	"testing"
)

var (
	mu    sync.Mutex
	given = map[string]bool{} // "network/ip:port" handed out by this process
)

// TCP returns a TCP port on ip that is free now and was not returned before.
func TCP(t testing.TB, ip string) int { t.Helper(); return draw(t, "tcp", ip) }

// UDP returns a UDP port on ip that is free now and was not returned before.
func UDP(t testing.TB, ip string) int { t.Helper(); return draw(t, "udp", ip) }

// Addr returns a "127.0.0.1:port" TCP address that is free now and was not
// returned before.
func Addr(t testing.TB) string {
	t.Helper()
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(TCP(t, "127.0.0.1")))
}

func draw(t testing.TB, network, ip string) int {
	t.Helper()
	port, err := Get(network, ip)
	if err != nil {
		t.Fatal(err)
	}
	return port
}

// Get is TCP or UDP ("tcp", "udp") for set-up code without a testing.TB,
// such as a peer started once in TestMain.
func Get(network, ip string) (int, error) {
	mu.Lock()
	defer mu.Unlock()
	var held []interface{ Close() error }
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	for range 64 {
		c, port, err := listen(network, ip)
		if err != nil {
			return 0, fmt.Errorf("freeport: %s on %s: %w", network, ip, err)
		}
		held = append(held, c)
		key := network + "/" + net.JoinHostPort(ip, strconv.Itoa(port))
		if !given[key] {
			given[key] = true
			return port, nil
		}
	}
	return 0, fmt.Errorf("freeport: no new %s port on %s after 64 draws", network, ip)
}

func listen(network, ip string) (interface{ Close() error }, int, error) {
	addr := net.JoinHostPort(ip, "0")
	if network == "udp" {
		c, err := net.ListenPacket("udp", addr)
		if err != nil {
			return nil, 0, err
		}
		return c, c.LocalAddr().(*net.UDPAddr).Port, nil
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, 0, err
	}
	return l, l.Addr().(*net.TCPAddr).Port, nil
}
