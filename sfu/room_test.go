package sfu

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// TestDataChannelRelayAndActiveSpeaker: a clerk's data channel reaches the
// citizen under the same label, and the clerk's loud audio (RFC 6464
// level in the header extension) makes them the active speaker.
func TestDataChannelRelayAndActiveSpeaker(t *testing.T) {
	env := newTestEnv(t, Config{})
	clerk, err := dial(t, env.wsURL(env.auth.issue("dc", "clerk", RoleClerk)), clientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	chat, err := clerk.Pub.CreateDataChannel("chat", nil)
	if err != nil {
		t.Fatal(err)
	}
	audio, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "mic", "clerk-stream")
	if err != nil {
		t.Fatal(err)
	}
	sender, err := clerk.Pub.AddTrack(audio)
	if err != nil {
		t.Fatal(err)
	}
	if err := clerk.join("dc", "clerk"); err != nil {
		t.Fatal(err)
	}
	var levelID uint8
	for _, e := range sender.GetParameters().HeaderExtensions {
		if e.URI == sdp.AudioLevelURI {
			levelID = uint8(e.ID)
		}
	}
	if levelID == 0 {
		t.Fatal("audio level extension not negotiated")
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { // speech at −10 dBov, 50 packets/s
		defer close(done)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for seq := uint16(0); ; seq++ {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			p := &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: uint32(seq) * 960}, Payload: []byte{0xfc, 1, 2, 3}}
			_ = p.SetExtension(levelID, []byte{0x80 | 10})
			_ = audio.WriteRTP(p)
		}
	}()
	defer func() { close(stop); <-done }()

	citizen := subscriber(t, env, "dc", "citizen", RoleCitizen, clientOptions{})
	got := make(chan string, 16)
	citizen.Sub.OnDataChannel(func(dc *webrtc.DataChannel) {
		if dc.Label() == "chat" {
			dc.OnMessage(func(m webrtc.DataChannelMessage) { got <- string(m.Data) })
		}
	})
	deadline := time.Now().Add(waitMedia)
	for received := false; !received; {
		if time.Now().After(deadline) {
			t.Fatal("chat message never relayed")
		}
		if chat.ReadyState() == webrtc.DataChannelStateOpen {
			_ = chat.SendText("Guten Tag")
		}
		select {
		case m := <-got:
			if m != "Guten Tag" {
				t.Fatalf("relayed %q", m)
			}
			received = true
		case <-time.After(50 * time.Millisecond):
		}
	}

	speakerDeadline := time.After(waitMedia)
	for {
		select {
		case n := <-citizen.notices:
			if n.Method != "activeSpeakers" {
				continue
			}
			var p activeSpeakersParams
			if err := json.Unmarshal(n.Params, &p); err != nil {
				t.Fatal(err)
			}
			if slices.Equal(p.Streams, []string{"clerk-stream"}) {
				return
			}
		case <-speakerDeadline:
			t.Fatal("no activeSpeakers notification naming the clerk")
		}
	}
}

// A participant who rejoins (new connection after a network change)
// replaces their old peer: the stale connection is closed, and the others
// keep exactly one copy of their media.
func TestRejoinReplacesStalePeer(t *testing.T) {
	env := newTestEnv(t, Config{})
	_, s := publisher(t, env, "room-r", "clerk")
	first := subscriber(t, env, "room-r", "citizen", RoleCitizen, clientOptions{})
	verifyIdentical(t, s, nextTrack(t, first, webrtc.RTPCodecTypeVideo), 10)
	second := subscriber(t, env, "room-r", "citizen", RoleCitizen, clientOptions{})
	verifyIdentical(t, s, nextTrack(t, second, webrtc.RTPCodecTypeVideo), 10)
	select {
	case <-first.Done():
	case <-time.After(waitMedia):
		t.Fatal("the citizen's old connection is still open after they rejoined")
	}
	eventually(t, waitMedia, "two peers in the room (clerk and the rejoined citizen)", func() bool {
		return env.counter("buergerbuero_sfu_peers") == 2
	})
}
