package e2e

import (
	"encoding/json"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
	"github.com/buergerbuero/buergerbuero/sfu/sfuclient"
)

// Helpers of the event tests: pion participants of an event's media room
// (speakers and viewers) and viewers' live state streams.

// eventGrant is the answer of POST …/media.
type eventGrant struct {
	Grant struct {
		SignalURL string `json:"signal_url"`
	} `json:"grant"`
	Identity string `json:"identity"`
	Role     string `json:"role"`
}

// pionAPI is a pion WebRTC stack for a test participant on loopback.
func pionAPI(t testing.TB) *webrtc.API {
	t.Helper()
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		t.Fatal(err)
	}
	reg := &webrtc.SettingEngine{}
	reg.SetIncludeLoopbackCandidate(true)
	reg.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithSettingEngine(*reg))
}

// pionPeer is one participant: its received audio streams with packet
// counts, and the SFU's notifications.
type pionPeer struct {
	*sfuclient.Client
	id      string
	mu      sync.Mutex
	packets map[string]*atomic.Int64 // stream ID → audio packets received
	stages  chan json.RawMessage
}

func dialPion(t testing.TB, srv *apptest.Server, event string, g eventGrant) *pionPeer {
	t.Helper()
	p := &pionPeer{id: g.Identity, packets: map[string]*atomic.Int64{}, stages: make(chan json.RawMessage, 8)}
	api := pionAPI(t)
	c, err := sfuclient.Dial(api, api, g.Grant.SignalURL, sfuclient.Options{
		Dialer: &websocket.Dialer{TLSClientConfig: srv.TLSConfig(), HandshakeTimeout: 10 * time.Second},
		OnNotice: func(method string, params json.RawMessage) {
			if method == "stage" {
				p.stages <- params
			}
		},
	})
	if err != nil {
		t.Fatalf("dial SFU as %s: %v", g.Identity, err)
	}
	t.Cleanup(c.Close)
	p.Client = c
	c.Sub.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		if tr.Kind() != webrtc.RTPCodecTypeAudio {
			return
		}
		n := &atomic.Int64{}
		p.mu.Lock()
		p.packets[tr.StreamID()] = n
		p.mu.Unlock()
		go func() {
			for {
				if _, _, err := tr.ReadRTP(); err != nil {
					return
				}
				n.Add(1)
			}
		}()
	})
	return p
}

func (p *pionPeer) join(t testing.TB, event string) {
	t.Helper()
	if err := p.Join(event, p.id); err != nil {
		t.Fatalf("%s joins the media room: %v", p.id, err)
	}
}

// heard is the number of audio packets received of stream.
func (p *pionPeer) heard(stream string) int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := p.packets[stream]; n != nil {
		return n.Load()
	}
	return 0
}

// addCamera adds a VP8 track in stream (nothing is sent on it); it does
// not renegotiate.
func (p *pionPeer) addCamera(t testing.TB, stream string) {
	t.Helper()
	tr, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "video", stream)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Pub.AddTrack(tr); err != nil {
		t.Fatal(err)
	}
}

// sendAudio adds an Opus track in stream and sends a packet every 20 ms
// until the test ends; it does not renegotiate.
func (p *pionPeer) sendAudio(t testing.TB, stream string) {
	t.Helper()
	tr, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "audio", stream)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Pub.AddTrack(tr); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	t.Cleanup(func() { close(stop); <-done })
	go func() {
		defer close(done)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		pkt := rtp.Packet{Header: rtp.Header{Version: 2}, Payload: []byte{0xf8, 0xff, 0xfe}}
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

// waitUntil polls cond (state kept by other goroutines: packet counters,
// streams) until it holds or within passes.
func waitUntil(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// eventState is what a viewer's stream carries.
type eventState struct {
	Status    string `json:"status"`
	Questions []struct {
		ID   int64  `json:"id"`
		Text string `json:"text"`
	} `json:"questions"`
	Stage []string `json:"stage"`
	Hands []string `json:"hands"`
}

// viewerStream follows an event's live state like the viewer page does.
type viewerStream struct {
	mu   sync.Mutex
	last eventState
	ws   *websocket.Conn
}

func followEvent(t testing.TB, srv *apptest.Server, event, token string) *viewerStream {
	t.Helper()
	ws, err := dialStream(srv.URL, srv.TLSConfig(), "/api/v1/events/"+event+"/stream", "", token, "")
	if err != nil {
		t.Fatalf("event stream: %v", err)
	}
	v := &viewerStream{ws: ws}
	t.Cleanup(func() { ws.Close() })
	go func() {
		for {
			var m struct {
				Type  string     `json:"type"`
				State eventState `json:"state"`
			}
			if err := ws.ReadJSON(&m); err != nil {
				return
			}
			v.mu.Lock()
			v.last = m.State
			v.mu.Unlock()
		}
	}()
	return v
}

func (v *viewerStream) state() eventState {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.last
}
