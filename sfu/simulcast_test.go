package sfu

import (
	"encoding/binary"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// simulcastPublisher sends three synthetic VP8 layers (RIDs q, h, f); the
// payload's third byte names the layer.
type simulcastPublisher struct {
	sender  *webrtc.RTPSender
	mid     string
	tracks  [3]*webrtc.TrackLocalStaticRTP
	keyNext [3]atomic.Bool
	stop    chan struct{}
	wg      sync.WaitGroup
}

func startSimulcast(t *testing.T, c *testClient) *simulcastPublisher {
	t.Helper()
	sp := &simulcastPublisher{stop: make(chan struct{})}
	var sender *webrtc.RTPSender
	for i, rid := range []string{"q", "h", "f"} {
		tr, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "video", "sim", webrtc.WithRTPStreamID(rid))
		if err != nil {
			t.Fatal(err)
		}
		sp.tracks[i] = tr
		if i == 0 {
			if sender, err = c.Pub.AddTrack(tr); err != nil {
				t.Fatal(err)
			}
		} else if err := sender.AddEncoding(tr); err != nil {
			t.Fatal(err)
		}
	}
	go func() { // any keyframe request: every layer sends one next
		for {
			pkts, _, err := sender.ReadSimulcastRTCP("q")
			if err != nil {
				return
			}
			for _, p := range pkts {
				if _, ok := p.(*rtcp.PictureLossIndication); ok {
					for i := range sp.keyNext {
						sp.keyNext[i].Store(true)
					}
				}
			}
		}
	}()
	sp.sender = sender
	t.Cleanup(func() { close(sp.stop); sp.wg.Wait() })
	return sp
}

// run sends; like a browser it puts the MID and RID header extensions on
// every packet so the SFU can tell the layers apart.
func (sp *simulcastPublisher) run(c *testClient) {
	var midID, ridID uint8
	for _, e := range sp.sender.GetParameters().HeaderExtensions {
		switch e.URI {
		case sdp.SDESMidURI:
			midID = uint8(e.ID)
		case sdp.SDESRTPStreamIDURI:
			ridID = uint8(e.ID)
		}
	}
	mid := c.Pub.GetTransceivers()[0].Mid()
	rids := []string{"q", "h", "f"}
	sp.wg.Add(1)
	go func() {
		defer sp.wg.Done()
		tick := time.NewTicker(synthInterval)
		defer tick.Stop()
		for n := uint32(0); ; n++ {
			select {
			case <-sp.stop:
				return
			case <-tick.C:
			}
			for l, tr := range sp.tracks {
				key := n%50 == 0 || sp.keyNext[l].Swap(false)
				p := []byte{0x10, 0x01, byte(l), 0, 0, 0, 0}
				if key {
					p[1] = 0
				}
				binary.BigEndian.PutUint32(p[3:], n)
				pkt := &rtp.Packet{Header: rtp.Header{Version: 2, Marker: true, SequenceNumber: uint16(n), Timestamp: n * 450}, Payload: p}
				_ = pkt.SetExtension(midID, []byte(mid))
				_ = pkt.SetExtension(ridID, []byte(rids[l]))
				_ = tr.WriteRTP(pkt)
			}
		}
	}()
}

// waitLayer reads until packets of layer arrive; sequence numbers must
// stay contiguous across the switch.
func waitLayer(t *testing.T, tr *webrtc.TrackRemote, layer byte, last *uint16, started *bool) {
	t.Helper()
	deadline := time.Now().Add(waitMedia)
	for seen := 0; seen < 10; {
		_ = tr.SetReadDeadline(deadline)
		p, _, err := tr.ReadRTP()
		if err != nil {
			t.Fatalf("waiting for layer %d: %v", layer, err)
		}
		if *started && p.SequenceNumber != *last+1 {
			t.Fatalf("sequence jumped from %d to %d", *last, p.SequenceNumber)
		}
		*last, *started = p.SequenceNumber, true
		if len(p.Payload) > 2 && p.Payload[2] == layer {
			seen++
		}
	}
}

func TestSimulcastLayerPerSubscriber(t *testing.T) {
	env := newTestEnv(t, Config{})
	pub, err := dial(t, env.wsURL(env.auth.issue("sim", "clerk", RoleClerk)), clientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sp := startSimulcast(t, pub)
	if err := pub.join("sim", "clerk"); err != nil {
		t.Fatal(err)
	}
	sp.run(pub)
	high := subscriber(t, env, "sim", "citizen", RoleCitizen, clientOptions{})
	low := subscriber(t, env, "sim", "viewer", RoleViewer, clientOptions{})
	var hl, ll uint16
	var hs, ls bool
	htr, ltr := nextTrack(t, high, webrtc.RTPCodecTypeVideo), nextTrack(t, low, webrtc.RTPCodecTypeVideo)
	waitLayer(t, htr, 2, &hl, &hs) // default: highest layer
	waitLayer(t, ltr, 2, &ll, &ls)
	if _, err := low.call("layer", layerParams{Layer: 0}); err != nil {
		t.Fatal(err)
	}
	waitLayer(t, ltr, 0, &ll, &ls)
	waitLayer(t, htr, 2, &hl, &hs) // the other subscriber keeps its layer
	if _, err := low.call("layer", layerParams{StreamID: "sim", Layer: 1}); err != nil {
		t.Fatal(err)
	}
	waitLayer(t, ltr, 1, &ll, &ls)
}
