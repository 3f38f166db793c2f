package sfu

import (
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/pion/interceptor"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// testClient speaks ion-sfu's JSON-RPC like ion-sdk-js: a publisher
// PeerConnection it offers on, a subscriber PeerConnection the SFU offers
// on. It is the over-the-wire client of the tests and benchmarks.
type testClient struct {
	tb       testing.TB
	ws       *websocket.Conn
	pub, sub *webrtc.PeerConnection

	wmu       sync.Mutex
	nextID    atomic.Int64
	mu        sync.Mutex
	calls     map[string]chan rpcReply
	held      [2][]webrtc.ICECandidateInit
	remote    [2]bool
	tracks    chan *webrtc.TrackRemote
	stash     []*webrtc.TrackRemote // received but not yet asked for (test goroutine only)
	notices   chan notice
	done      chan struct{}
	closeOnce sync.Once
	set       *clientSet // the test's open clients
	// closing is set when the client leaves: the SFU then closes the
	// transports (DTLS close_notify), so an offer being answered may fail.
	closing atomic.Bool
}

type rpcReply struct {
	Result json.RawMessage `json:"result"`
	Error  *rpcError       `json:"error"`
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
// tracks to c.pub, then call join.
func dial(tb testing.TB, url string, o clientOptions) (*testClient, error) {
	api, err := newClientAPI(nil, o.settings, o.vp8Only)
	if err != nil {
		return nil, err
	}
	subAPI, err := newClientAPI(o.subInterceptors, o.settings, o.vp8Only)
	if err != nil {
		return nil, err
	}
	ws, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		return nil, err
	}
	cfg := webrtc.Configuration{ICEServers: o.iceServers}
	if o.relayOnly {
		cfg.ICETransportPolicy = webrtc.ICETransportPolicyRelay
	}
	c := &testClient{tb: tb, ws: ws, calls: map[string]chan rpcReply{}, tracks: make(chan *webrtc.TrackRemote, 16),
		notices: make(chan notice, 64), done: make(chan struct{})}
	if c.pub, err = api.NewPeerConnection(cfg); err != nil {
		return nil, err
	}
	if c.sub, err = subAPI.NewPeerConnection(cfg); err != nil {
		return nil, err
	}
	for target, pc := range []*webrtc.PeerConnection{c.pub, c.sub} {
		target := target
		pc.OnICECandidate(func(cand *webrtc.ICECandidate) {
			if cand != nil {
				c.notify("trickle", trickleParams{Target: target, Candidate: cand.ToJSON()})
			}
		})
	}
	c.sub.OnTrack(func(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) { c.tracks <- t })
	go c.readLoop()
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

func (c *testClient) send(v any) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.ws.WriteJSON(v)
}

// notify sends like ion-sdk-js: no "jsonrpc" member, no id.
func (c *testClient) notify(method string, params any) {
	_ = c.send(map[string]any{"method": method, "params": params})
}

// call sends a request and waits for its reply.
func (c *testClient) call(method string, params any) (json.RawMessage, error) {
	id := strconv.FormatInt(c.nextID.Add(1), 10)
	ch := make(chan rpcReply, 1)
	c.mu.Lock()
	c.calls[`"`+id+`"`] = ch
	c.mu.Unlock()
	if err := c.send(map[string]any{"method": method, "params": params, "id": id}); err != nil {
		return nil, err
	}
	select {
	case r := <-ch:
		if r.Error != nil {
			return nil, r.Error
		}
		return r.Result, nil
	case <-c.done:
		return nil, fmt.Errorf("connection closed during %s", method)
	}
}

func (c *testClient) readLoop() {
	defer close(c.done)
	for {
		var msg struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
			Params json.RawMessage `json:"params"`
			rpcReply
		}
		if err := c.ws.ReadJSON(&msg); err != nil {
			return
		}
		switch msg.Method {
		case "":
			c.mu.Lock()
			ch := c.calls[string(msg.ID)]
			delete(c.calls, string(msg.ID))
			c.mu.Unlock()
			if ch != nil {
				ch <- msg.rpcReply
			} else if msg.Error != nil {
				c.notices <- notice{Method: "error", Params: msg.Params}
			}
		case "offer":
			c.onOffer(msg.Params)
		case "trickle":
			var tp trickleParams
			if json.Unmarshal(msg.Params, &tp) == nil {
				c.addRemoteCandidate(tp.Target, tp.Candidate)
			}
		default:
			select {
			case c.notices <- notice{msg.Method, msg.Params}:
			default:
			}
		}
	}
}

func (c *testClient) onOffer(raw json.RawMessage) {
	if err := c.answerOffer(raw); err != nil && !c.closing.Load() {
		c.tb.Errorf("subscriber offer: %v", err)
	}
}

func (c *testClient) answerOffer(raw json.RawMessage) error {
	var offer webrtc.SessionDescription
	if err := json.Unmarshal(raw, &offer); err != nil {
		return err
	}
	if err := c.sub.SetRemoteDescription(offer); err != nil {
		return err
	}
	c.flush(targetSubscriber)
	ans, err := c.sub.CreateAnswer(nil)
	if err == nil {
		err = c.sub.SetLocalDescription(ans)
	}
	if err != nil {
		return err
	}
	c.notify("answer", negotiationParams{Desc: *c.sub.LocalDescription()})
	return nil
}

func (c *testClient) addRemoteCandidate(target int, cand webrtc.ICECandidateInit) {
	c.mu.Lock()
	if !c.remote[target] {
		c.held[target] = append(c.held[target], cand)
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	_ = c.pc(target).AddICECandidate(cand)
}

func (c *testClient) flush(target int) {
	c.mu.Lock()
	c.remote[target] = true
	held := c.held[target]
	c.held[target] = nil
	c.mu.Unlock()
	for _, cand := range held {
		_ = c.pc(target).AddICECandidate(cand)
	}
}

func (c *testClient) pc(target int) *webrtc.PeerConnection {
	if target == targetPublisher {
		return c.pub
	}
	return c.sub
}

// join offers the publisher transport and joins room sid.
func (c *testClient) join(sid, uid string) error {
	if len(c.pub.GetTransceivers()) == 0 {
		if _, err := c.pub.CreateDataChannel("chat", nil); err != nil {
			return err
		}
	}
	if c.pub.SignalingState() != webrtc.SignalingStateHaveLocalOffer {
		offer, err := c.pub.CreateOffer(nil)
		if err != nil {
			return err
		}
		if err := c.pub.SetLocalDescription(offer); err != nil {
			return err
		}
	}
	offer := *c.pub.LocalDescription()
	res, err := c.call("join", joinParams{SID: sid, UID: uid, Offer: offer})
	if err != nil {
		return err
	}
	var ans webrtc.SessionDescription
	if err := json.Unmarshal(res, &ans); err != nil {
		return err
	}
	if err := c.pub.SetRemoteDescription(ans); err != nil {
		return err
	}
	c.flush(targetPublisher)
	return nil
}

func (c *testClient) close() {
	c.closeOnce.Do(c.doClose)
}

func (c *testClient) doClose() {
	if c.set != nil {
		c.set.remove(c)
	}
	c.closing.Store(true)
	_ = c.ws.Close()
	<-c.done
	_ = c.pub.Close()
	_ = c.sub.Close()
}
