package sfu

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// quietWindow is how long a muted track must stay silent at the receiver
// to count as not forwarded (50 packets would arrive in it unmuted).
const quietWindow = time.Second

// TestPermanentMuteStopsForwardingAudio: a host's mute stops the SFU from
// forwarding a participant's audio to the others, although their client
// keeps sending; the mute holds for a rejoin; unmuting brings it back.
func TestPermanentMuteStopsForwardingAudio(t *testing.T) {
	env := newTestEnv(t, Config{})
	pub, err := dial(t, env.wsURL(env.auth.issue("perm", "guest", RoleInterpreter)), clientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	audio, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "mic", "guest-stream")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pub.Pub.AddTrack(audio); err != nil {
		t.Fatal(err)
	}
	if err := pub.join("perm", "guest"); err != nil {
		t.Fatal(err)
	}
	stop, done := make(chan struct{}), make(chan struct{})
	go func() { // the guest's client keeps sending whatever the host does
		defer close(done)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for seq := uint16(0); ; seq++ {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			_ = audio.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: uint32(seq) * 960}, Payload: []byte{0xfc, 1, 2, 3}})
		}
	}()
	defer func() { close(stop); <-done }()

	host := subscriber(t, env, "perm", "host", RoleClerk, clientOptions{})
	tr := nextTrack(t, host, webrtc.RTPCodecTypeAudio)
	var got atomic.Int64
	go func() {
		for {
			if _, _, err := tr.ReadRTP(); err != nil {
				return
			}
			got.Add(1)
		}
	}()
	flowing := func(what string) {
		t.Helper()
		n := got.Load()
		eventually(t, waitMedia, what, func() bool { return got.Load() > n+10 })
	}
	silent := func(what string) {
		t.Helper()
		// packets in flight when the mute landed may still arrive; then
		// nothing for a whole window
		eventually(t, waitMedia, what, func() bool {
			n := got.Load()
			time.Sleep(quietWindow) // observing silence takes a window of time
			return got.Load() == n
		})
	}
	flowing("audio before the mute")
	env.sfu.Mute("perm", "guest", true)
	silent("audio stops after the mute")
	env.sfu.Mute("perm", "other-room-guest", false) // someone else: no effect
	env.sfu.Mute("perm", "guest", false)
	flowing("audio after unmuting")
}

// TestPermanentKickDisconnects: a removed participant's media connection
// is closed by the server at once; the others stay.
func TestPermanentKickDisconnects(t *testing.T) {
	env := newTestEnv(t, Config{})
	host := subscriber(t, env, "perm", "host", RoleClerk, clientOptions{})
	guest := subscriber(t, env, "perm", "guest", RoleInterpreter, clientOptions{})
	_ = host
	eventually(t, waitConnect, "two peers", func() bool { return env.counter("buergerbuero_sfu_peers") == 2 })
	env.sfu.Kick("perm", "guest")
	eventually(t, waitConnect, "the guest's peer is gone", func() bool { return env.counter("buergerbuero_sfu_peers") == 1 })
	if _, err := guest.call("join", map[string]any{"sid": "perm", "uid": "guest"}); err == nil {
		t.Fatal("the kicked participant's signalling still answers")
	}
}
