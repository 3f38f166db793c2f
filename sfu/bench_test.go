package sfu

import (
	"encoding/binary"
	"fmt"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// envIonURL, if set, points the benchmarks at an external ion-sfu JSON-RPC
// server (bench/ionsfu) instead of our SFU, so both are driven by the
// same over-the-wire client.
const envIonURL = "BB_BENCH_ION_URL"

// benchURL returns the signalling URL for a participant.
func benchURL(b *testing.B, env *testEnv, room, who string, role Role) string {
	if u := os.Getenv(envIonURL); u != "" {
		return u
	}
	return env.wsURL(env.auth.issue(room, who, role))
}

// benchSubscriber joins like subscriber() but through benchURL.
func benchSubscriber(b *testing.B, env *testEnv, room, who string) *testClient {
	c, err := dial(b, benchURL(b, env, room, who, RoleCitizen), clientOptions{vp8Only: true})
	if err != nil {
		b.Fatalf("dial %s: %v", who, err)
	}
	if err := c.join(room, who); err != nil {
		b.Fatalf("join %s: %v", who, err)
	}
	return c
}

// percentile returns the p-th percentile (0..100) of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted)-1) * p / 100)
	return sorted[i]
}

func reportPercentiles(b *testing.B, d []time.Duration, unit string, scale time.Duration) {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	b.ReportMetric(float64(percentile(d, 50))/float64(scale), "p50-"+unit)
	b.ReportMetric(float64(percentile(d, 99))/float64(scale), "p99-"+unit)
	b.ReportMetric(float64(d[len(d)-1])/float64(scale), "max-"+unit)
}

// BenchmarkForwardLatency measures one-way latency publisher → SFU →
// subscriber of single Opus-sized packets sent one at a time (each send
// waits for the previous packet's arrival, so nothing queues). Both
// clients are pion over loopback UDP with SRTP, as in ion-sfu's baseline.
//
//	go test -run '^$' -bench ForwardLatency -benchtime 2000x ./sfu/
func BenchmarkForwardLatency(b *testing.B) {
	env := newTestEnv(b, Config{})
	pub, err := dial(b, benchURL(b, env, "bench", "pub", RoleClerk), clientOptions{})
	if err != nil {
		b.Fatal(err)
	}
	track, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "a", "bench")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := pub.Pub.AddTrack(track); err != nil {
		b.Fatal(err)
	}
	if err := pub.join("bench", "pub"); err != nil {
		b.Fatal(err)
	}
	sub := benchSubscriber(b, env, "bench", "sub")
	measureOneWay(b, track, sub.tracks)
}

// measureOneWay sends single 160-byte packets on track, each after the
// previous one arrived at the remote track that tracks delivers, and
// reports the one-way latency percentiles. It primes until the remote
// track exists (pion signals it on the first packet).
func measureOneWay(b *testing.B, track *webrtc.TrackLocalStaticRTP, tracks <-chan *webrtc.TrackRemote) {
	b.Helper()
	payload := make([]byte, 160)
	var seq uint16
	send := func(n uint32) {
		binary.BigEndian.PutUint32(payload, n)
		binary.BigEndian.PutUint64(payload[4:], uint64(time.Now().UnixNano()))
		seq++
		_ = track.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: uint32(seq) * 960}, Payload: payload})
	}
	var remote *webrtc.TrackRemote
	deadline := time.Now().Add(waitMedia)
	for remote == nil {
		if time.Now().After(deadline) {
			b.Fatal("no track at the receiver")
		}
		send(0)
		select {
		case remote = <-tracks:
		case <-time.After(20 * time.Millisecond):
		}
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 1; i <= b.N; i++ {
		send(uint32(i))
		for {
			_ = remote.SetReadDeadline(time.Now().Add(waitMedia))
			p, _, err := remote.ReadRTP()
			if err != nil {
				b.Fatalf("read: %v", err)
			}
			if binary.BigEndian.Uint32(p.Payload) == uint32(i) {
				lat = append(lat, time.Since(time.Unix(0, int64(binary.BigEndian.Uint64(p.Payload[4:])))))
				break
			}
		}
	}
	b.StopTimer()
	reportPercentiles(b, lat, "µs", time.Microsecond)
}

// BenchmarkJoinToFirstMedia measures, for a subscriber joining a room with
// a running publisher, the time from opening the WebSocket to the first
// video packet (which needs a keyframe: the join requests one).
//
//	go test -run '^$' -bench JoinToFirstMedia -benchtime 50x ./sfu/
func BenchmarkJoinToFirstMedia(b *testing.B) {
	env := newTestEnv(b, Config{})
	pub, err := dial(b, benchURL(b, env, "bench", "pub", RoleClerk), clientOptions{vp8Only: true})
	if err != nil {
		b.Fatal(err)
	}
	s, err := addSynth(pub, "bench-pub")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(s.halt)
	s.keyEvery.Store(1 << 30) // keyframes only on request, like a browser
	if err := pub.join("bench", "pub"); err != nil {
		b.Fatal(err)
	}
	s.start()
	times := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		c := benchSubscriber(b, env, "bench", fmt.Sprintf("sub%d", i))
		tr := nextTrack(b, c, webrtc.RTPCodecTypeVideo)
		_ = tr.SetReadDeadline(time.Now().Add(waitMedia))
		if _, _, err := tr.ReadRTP(); err != nil {
			b.Fatalf("first packet: %v", err)
		}
		times = append(times, time.Since(start))
		c.close()
	}
	b.StopTimer()
	reportPercentiles(b, times, "ms", time.Millisecond)
}

// BenchmarkDirectLatency is the baseline for BenchmarkForwardLatency: the
// same packets between two pion PeerConnections without an SFU. The
// difference of the two is the latency the SFU adds.
//
//	go test -run '^$' -bench DirectLatency -benchtime 2000x ./sfu/
func BenchmarkDirectLatency(b *testing.B) {
	api, err := newClientAPI(nil, nil, false)
	if err != nil {
		b.Fatal(err)
	}
	offerer, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		b.Fatal(err)
	}
	answerer, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		b.Fatal(err)
	}
	defer offerer.Close()
	defer answerer.Close()
	track, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "a", "direct")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := offerer.AddTrack(track); err != nil {
		b.Fatal(err)
	}
	tracks := make(chan *webrtc.TrackRemote, 1)
	answerer.OnTrack(func(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) { tracks <- t })
	if err := signalDirect(offerer, answerer); err != nil {
		b.Fatal(err)
	}
	measureOneWay(b, track, tracks)
}

// signalDirect connects two PeerConnections with complete (non-trickle)
// descriptions.
func signalDirect(offerer, answerer *webrtc.PeerConnection) error {
	offer, err := offerer.CreateOffer(nil)
	if err != nil {
		return err
	}
	gathered := webrtc.GatheringCompletePromise(offerer)
	if err := offerer.SetLocalDescription(offer); err != nil {
		return err
	}
	<-gathered
	if err := answerer.SetRemoteDescription(*offerer.LocalDescription()); err != nil {
		return err
	}
	answer, err := answerer.CreateAnswer(nil)
	if err != nil {
		return err
	}
	gathered = webrtc.GatheringCompletePromise(answerer)
	if err := answerer.SetLocalDescription(answer); err != nil {
		return err
	}
	<-gathered
	return offerer.SetRemoteDescription(*answerer.LocalDescription())
}
