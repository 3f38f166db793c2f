package sfu

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// waitNotice waits for the notification method, skipping others.
func waitNotice(t *testing.T, c *testClient, method string) json.RawMessage {
	t.Helper()
	deadline := time.After(waitMedia)
	for {
		select {
		case n := <-c.notices:
			if n.Method == method {
				return n.Params
			}
		case <-deadline:
			t.Fatalf("no %q notification within %v", method, waitMedia)
		}
	}
}

// publishAudio adds an Opus track to c and sends packets until stop.
func publishAudio(t *testing.T, c *testClient, stream string, stop chan struct{}) {
	t.Helper()
	tr, err := webrtc.NewTrackLocalStaticRTP(opusCodec, "audio", stream)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Pub.AddTrack(tr); err != nil {
		t.Fatal(err)
	}
	go func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		pkt := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 111}, Payload: []byte{0xf8, 0xff, 0xfe}}
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				pkt.SequenceNumber++
				pkt.Timestamp += 960
				_ = tr.WriteRTP(&pkt)
			}
		}
	}()
}

// TestEventViewerOnStage: a viewer brought on stage publishes audio on
// the connection it has (no reconnect), the other viewers hear it; sent
// back, its track is removed for all and publishing is refused again.
func TestEventViewerOnStage(t *testing.T) {
	env := newTestEnv(t, Config{})
	publisher(t, env, "event", "speaker")
	guest := subscriber(t, env, "event", "viewer-1", RoleViewer, clientOptions{})
	other := subscriber(t, env, "event", "viewer-2", RoleViewer, clientOptions{})
	nextTrack(t, other, webrtc.RTPCodecTypeAudio) // the speaker's

	env.sfu.SetStage("event", "viewer-1", Stage{Audio: true})
	var st Stage
	if err := json.Unmarshal(waitNotice(t, guest, "stage"), &st); err != nil || !st.Audio || st.Video {
		t.Fatalf("stage notification %+v, %v", st, err)
	}
	stop := make(chan struct{})
	defer close(stop)
	publishAudio(t, guest, "stream-viewer-1", stop)
	if err := guest.Renegotiate(); err != nil {
		t.Fatalf("on stage, publishing audio refused: %v", err)
	}
	heard := nextTrack(t, other, webrtc.RTPCodecTypeAudio)
	if heard.StreamID() != "stream-viewer-1" {
		t.Fatalf("got stream %q", heard.StreamID())
	}
	_ = heard.SetReadDeadline(time.Now().Add(waitMedia))
	for i := range 5 {
		if _, _, err := heard.ReadRTP(); err != nil {
			t.Fatalf("packet %d of the viewer on stage: %v", i, err)
		}
	}

	env.sfu.SetStage("event", "viewer-1", Stage{})
	waitNotice(t, guest, "stage")
	eventually(t, waitMedia, "the demoted viewer's track is gone from the room", func() bool {
		r := env.sfu.rooms["event"]
		r.mu.Lock()
		defer r.mu.Unlock()
		for _, tr := range r.tracks {
			if tr.owner.grant.Identity == "viewer-1" {
				return false
			}
		}
		return true
	})
	// publishing again is refused on the same connection
	if _, err := guest.Pub.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
		t.Fatal(err)
	}
	if err := guest.Renegotiate(); rpcCode(err) != codeForbidden {
		t.Fatalf("demoted viewer publishing: err %v, want code %d", err, codeForbidden)
	}
}
