package sfu

import (
	"encoding/json"
	"sync"
	"testing"

	"github.com/pion/interceptor"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"github.com/buergerbuero/buergerbuero/sfu/sfuclient"
)

// testClient is the over-the-wire client of the tests and benchmarks
// (sfuclient: ion-sfu's JSON-RPC like ion-sdk-js) plus what tests wait on:
// the remote tracks and the server's notifications.
type testClient struct {
	*sfuclient.Client
	tb      testing.TB
	tracks  chan *webrtc.TrackRemote
	stash   []*webrtc.TrackRemote // received but not yet asked for (test goroutine only)
	notices chan notice
	set     *clientSet // the test's open clients
	once    sync.Once
}

type notice struct {
	Method string
	Params json.RawMessage
}

// clientOptions tune the pion client.
type clientOptions struct {
	// subInterceptors are added first (closest to the network) on the
	// subscriber side, e.g. a packet dropper.
	subInterceptors []interceptor.Factory
	settings        func(*webrtc.SettingEngine)
	iceServers      []webrtc.ICEServer
	relayOnly       bool
	// vp8Only offers just VP8 and Opus (ion-sfu answers offers that also
	// carry H.264 with H.264 only, which breaks a VP8 track).
	vp8Only bool
}

func newClientAPI(first []interceptor.Factory, settings func(*webrtc.SettingEngine), vp8Only bool) (*webrtc.API, error) {
	m := &webrtc.MediaEngine{}
	if vp8Only {
		fb := []webrtc.RTCPFeedback{{Type: "nack"}, {Type: "nack", Parameter: "pli"}}
		if err := m.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000, RTCPFeedback: fb}, PayloadType: 96}, webrtc.RTPCodecTypeVideo); err != nil {
			return nil, err
		}
		if err := m.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: opusCodec, PayloadType: 111}, webrtc.RTPCodecTypeAudio); err != nil {
			return nil, err
		}
	} else if err := m.RegisterDefaultCodecs(); err != nil {
		return nil, err
	}
	if err := webrtc.ConfigureSimulcastExtensionHeaders(m); err != nil {
		return nil, err
	}
	if err := m.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: sdp.AudioLevelURI}, webrtc.RTPCodecTypeAudio); err != nil {
		return nil, err
	}
	reg := &interceptor.Registry{}
	for _, f := range first {
		reg.Add(f)
	}
	if err := webrtc.RegisterDefaultInterceptors(m, reg); err != nil {
		return nil, err
	}
	se := webrtc.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	if settings != nil {
		settings(&se)
	}
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(reg), webrtc.WithSettingEngine(se)), nil
}

// dial connects the signalling socket and creates both transports; add
// tracks to c.Pub, then call join.
func dial(tb testing.TB, url string, o clientOptions) (*testClient, error) {
	api, err := newClientAPI(nil, o.settings, o.vp8Only)
	if err != nil {
		return nil, err
	}
	subAPI, err := newClientAPI(o.subInterceptors, o.settings, o.vp8Only)
	if err != nil {
		return nil, err
	}
	cfg := webrtc.Configuration{ICEServers: o.iceServers}
	if o.relayOnly {
		cfg.ICETransportPolicy = webrtc.ICETransportPolicyRelay
	}
	c := &testClient{tb: tb, tracks: make(chan *webrtc.TrackRemote, 16), notices: make(chan notice, 64)}
	c.Client, err = sfuclient.Dial(api, subAPI, url, sfuclient.Options{
		Config: cfg,
		OnNotice: func(method string, params json.RawMessage) {
			select {
			case c.notices <- notice{method, params}:
			default:
			}
		},
		OnOfferError: func(err error) { tb.Errorf("subscriber offer: %v", err) },
	})
	if err != nil {
		return nil, err
	}
	c.Sub.OnTrack(func(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) { c.tracks <- t })
	c.set = openClientsOf(tb)
	c.set.add(c)
	return c, nil
}

// clientSet closes a test's clients that are still open when it ends. A
// closed client leaves the set, so long tests (the leak test) do not keep
// every client they ever made alive.
type clientSet struct {
	mu   sync.Mutex
	open map[*testClient]struct{}
}

var clientSets sync.Map // testing.TB → *clientSet

func openClientsOf(tb testing.TB) *clientSet {
	v, loaded := clientSets.LoadOrStore(tb, &clientSet{open: map[*testClient]struct{}{}})
	set := v.(*clientSet)
	if !loaded {
		tb.Cleanup(func() {
			clientSets.Delete(tb)
			set.mu.Lock()
			open := make([]*testClient, 0, len(set.open))
			for c := range set.open {
				open = append(open, c)
			}
			set.mu.Unlock()
			for _, c := range open {
				c.close()
			}
		})
	}
	return set
}

func (s *clientSet) add(c *testClient) {
	s.mu.Lock()
	s.open[c] = struct{}{}
	s.mu.Unlock()
}

func (s *clientSet) remove(c *testClient) {
	s.mu.Lock()
	delete(s.open, c)
	s.mu.Unlock()
}

// join offers the publisher transport and joins room sid.
func (c *testClient) join(sid, uid string) error { return c.Join(sid, uid) }

// call and notify keep the tests' short names.
func (c *testClient) call(method string, params any) (json.RawMessage, error) {
	return c.Call(method, params)
}

func (c *testClient) notify(method string, params any) { c.Notify(method, params) }

// close leaves the room.
func (c *testClient) close() {
	c.once.Do(func() {
		c.set.remove(c)
		c.Close()
	})
}
