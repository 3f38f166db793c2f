package sfu

import (
	"runtime"
	"testing"

	"github.com/pion/webrtc/v4"
)

// joinLeaveCycles is the number of join/leave cycles of the leak test.
const joinLeaveCycles = 100

func TestNoGoroutinesLeftAfterJoinLeaveCycles(t *testing.T) {
	if testing.Short() {
		t.Skip("100 real ICE/DTLS connections; skipped under -short")
	}
	env := newTestEnv(t, Config{})
	baseline := runtime.NumGoroutine()
	pubClient, s := publisher(t, env, "leak", "clerk")
	const warm = 20 // pools, caches and the publisher's buffers settle first
	var heapWarm uint64
	for i := 0; i < joinLeaveCycles; i++ {
		if i == warm {
			heapWarm = liveHeap()
		}
		c := subscriber(t, env, "leak", "citizen", RoleCitizen, clientOptions{})
		nextTrack(t, c, webrtc.RTPCodecTypeAudio) // media flows: full setup
		c.close()
	}
	// One participant holds ≈ 0.5 MiB (bench/SFU.md); a leak of even a
	// tenth of that per cycle would show as ≥ 4 MiB over 80 cycles. (The
	// test's own publisher records what it sent: ≈ 1 MiB over the run.)
	var grown int64
	eventually(t, waitLeak, "heap back to the level after the warm-up cycles", func() bool {
		grown = int64(liveHeap()) - int64(heapWarm)
		return grown < 4<<20
	})
	t.Logf("heap after %d more join/leave cycles: %+d KiB", joinLeaveCycles-warm, grown>>10)
	s.halt()
	pubClient.close()
	eventually(t, waitLeak, "goroutines back to baseline", func() bool { return runtime.NumGoroutine() <= baseline })
	if n := env.counter("buergerbuero_sfu_peers"); n != 0 {
		t.Fatalf("peers gauge %v after everyone left", n)
	}
	if n := env.counter("buergerbuero_sfu_tracks"); n != 0 {
		t.Fatalf("tracks gauge %v after everyone left", n)
	}
	if n := env.counter("buergerbuero_sfu_rooms"); n != 0 {
		t.Fatalf("rooms gauge %v after everyone left", n)
	}
	// And Close leaves nothing of the SFU itself.
	env.close()
	eventually(t, waitLeak, "goroutines after Close", func() bool { return runtime.NumGoroutine() <= baseline-sfuIdleGoroutines(t) })
}

// liveHeap is the heap in use after a full collection.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// sfuIdleGoroutines is what an idle SFU runs (UDP mux reader etc.),
// measured rather than assumed.
func sfuIdleGoroutines(t *testing.T) int {
	t.Helper()
	before := runtime.NumGoroutine()
	env := newTestEnv(t, Config{})
	n := runtime.NumGoroutine() - before
	env.close()
	return n
}

// TestCloseWithConnectedPeers: Close while media flows stops everything.
func TestCloseWithConnectedPeers(t *testing.T) {
	baseline := runtime.NumGoroutine()
	env := newTestEnv(t, Config{})
	pubClient, s := publisher(t, env, "close", "clerk")
	sub := subscriber(t, env, "close", "citizen", RoleCitizen, clientOptions{})
	verifyIdentical(t, s, nextTrack(t, sub, webrtc.RTPCodecTypeVideo), 10)
	if err := env.sfu.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	s.halt()
	pubClient.close()
	sub.close()
	env.close()
	eventually(t, waitLeak, "goroutines back to the level before New", func() bool { return runtime.NumGoroutine() <= baseline })
}
