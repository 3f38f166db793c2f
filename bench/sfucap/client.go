package main

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// client speaks the SFU's ion-sfu JSON-RPC like ion-sdk-js (a trimmed copy
// of sfu/client_test.go, which a separate process cannot import).
type client struct {
	ws       *websocket.Conn
	pub, sub *webrtc.PeerConnection
	wmu      sync.Mutex
	nextID   atomic.Int64
	mu       sync.Mutex
	calls    map[string]chan json.RawMessage
	held     [2][]webrtc.ICECandidateInit
	remote   [2]bool
	done     chan struct{}
}

func newAPI() (*webrtc.API, error) {
	m := &webrtc.MediaEngine{}
	fb := []webrtc.RTCPFeedback{{Type: "nack"}, {Type: "nack", Parameter: "pli"}}
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000, RTCPFeedback: fb}, PayloadType: 96}, webrtc.RTPCodecTypeVideo); err != nil {
		return nil, err
	}
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, PayloadType: 111}, webrtc.RTPCodecTypeAudio); err != nil {
		return nil, err
	}
	se := webrtc.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	// No interceptors: the client side should cost as little CPU as possible
	// (it shares the box with the SFU). SRTP is still done by pion.
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithSettingEngine(se)), nil
}

func dial(api *webrtc.API, url string, onTrack func(*webrtc.TrackRemote)) (*client, error) {
	ws, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		return nil, err
	}
	c := &client{ws: ws, calls: map[string]chan json.RawMessage{}, done: make(chan struct{})}
	if c.pub, err = api.NewPeerConnection(webrtc.Configuration{}); err != nil {
		return nil, err
	}
	if c.sub, err = api.NewPeerConnection(webrtc.Configuration{}); err != nil {
		return nil, err
	}
	for target, pc := range []*webrtc.PeerConnection{c.pub, c.sub} {
		target := target
		pc.OnICECandidate(func(cand *webrtc.ICECandidate) {
			if cand != nil {
				c.notify("trickle", map[string]any{"target": target, "candidate": cand.ToJSON()})
			}
		})
	}
	c.sub.OnTrack(func(t *webrtc.TrackRemote, r *webrtc.RTPReceiver) {
		go func() { // drain RTCP
			for {
				if _, _, err := r.ReadRTCP(); err != nil {
					return
				}
			}
		}()
		onTrack(t)
	})
	go c.readLoop()
	return c, nil
}

func (c *client) send(v any) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.ws.WriteJSON(v)
}

func (c *client) notify(method string, params any) {
	_ = c.send(map[string]any{"method": method, "params": params})
}

func (c *client) call(method string, params any) (json.RawMessage, error) {
	id := strconv.FormatInt(c.nextID.Add(1), 10)
	ch := make(chan json.RawMessage, 1)
	c.mu.Lock()
	c.calls[`"`+id+`"`] = ch
	c.mu.Unlock()
	if err := c.send(map[string]any{"method": method, "params": params, "id": id}); err != nil {
		return nil, err
	}
	select {
	case r := <-ch:
		return r, nil
	case <-c.done:
		return nil, fmt.Errorf("connection closed during %s", method)
	case <-time.After(20 * time.Second):
		return nil, fmt.Errorf("timeout in %s", method)
	}
}

func (c *client) readLoop() {
	defer close(c.done)
	for {
		var msg struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
			Params json.RawMessage `json:"params"`
			Result json.RawMessage `json:"result"`
			Error  json.RawMessage `json:"error"`
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
				ch <- msg.Result
			}
		case "offer":
			if err := c.answerOffer(msg.Params); err != nil {
				fmt.Println("subscriber offer:", err)
			}
		case "trickle":
			var tp struct {
				Target    int                     `json:"target"`
				Candidate webrtc.ICECandidateInit `json:"candidate"`
			}
			if json.Unmarshal(msg.Params, &tp) == nil {
				c.addRemoteCandidate(tp.Target, tp.Candidate)
			}
		}
	}
}

func (c *client) answerOffer(raw json.RawMessage) error {
	var offer webrtc.SessionDescription
	if err := json.Unmarshal(raw, &offer); err != nil {
		return err
	}
	if err := c.sub.SetRemoteDescription(offer); err != nil {
		return err
	}
	c.flush(1)
	ans, err := c.sub.CreateAnswer(nil)
	if err == nil {
		err = c.sub.SetLocalDescription(ans)
	}
	if err != nil {
		return err
	}
	c.notify("answer", map[string]any{"desc": *c.sub.LocalDescription()})
	return nil
}

func (c *client) pc(target int) *webrtc.PeerConnection {
	if target == 0 {
		return c.pub
	}
	return c.sub
}

func (c *client) addRemoteCandidate(target int, cand webrtc.ICECandidateInit) {
	c.mu.Lock()
	if !c.remote[target] {
		c.held[target] = append(c.held[target], cand)
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	_ = c.pc(target).AddICECandidate(cand)
}

func (c *client) flush(target int) {
	c.mu.Lock()
	c.remote[target] = true
	held := c.held[target]
	c.held[target] = nil
	c.mu.Unlock()
	for _, cand := range held {
		_ = c.pc(target).AddICECandidate(cand)
	}
}

func (c *client) join(sid, uid string) error {
	if len(c.pub.GetTransceivers()) == 0 {
		if _, err := c.pub.CreateDataChannel("chat", nil); err != nil {
			return err
		}
	}
	offer, err := c.pub.CreateOffer(nil)
	if err != nil {
		return err
	}
	if err := c.pub.SetLocalDescription(offer); err != nil {
		return err
	}
	res, err := c.call("join", map[string]any{"sid": sid, "uid": uid, "offer": *c.pub.LocalDescription()})
	if err != nil {
		return err
	}
	var ans webrtc.SessionDescription
	if err := json.Unmarshal(res, &ans); err != nil {
		return fmt.Errorf("join answer %s: %w", res, err)
	}
	if err := c.pub.SetRemoteDescription(ans); err != nil {
		return err
	}
	c.flush(0)
	return nil
}

func (c *client) close() {
	_ = c.ws.Close()
	<-c.done
	_ = c.pub.Close()
	_ = c.sub.Close()
}

// publisher sends synthetic VP8 (videoBitrate, fps frames/s, each frame
// split into packets of ≤ 1100 bytes, keyframe every 3 s or on PLI) and
// Opus (if opus: 20 ms frames, 80-byte payload ≈ 32 kbit/s). Every payload carries
// its send time at bytes 8..16.
type publisher struct {
	video, audio *webrtc.TrackLocalStaticRTP
	keyNext      atomic.Bool
}

func addPublisher(c *client, stream string) (*publisher, error) {
	p := &publisher{}
	var err error
	if p.video, err = webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "video", stream); err != nil {
		return nil, err
	}
	if p.audio, err = webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "audio", stream); err != nil {
		return nil, err
	}
	for i, tr := range []*webrtc.TrackLocalStaticRTP{p.video, p.audio} {
		sender, err := c.pub.AddTrack(tr)
		if err != nil {
			return nil, err
		}
		video := i == 0
		go func() {
			for {
				pkts, _, err := sender.ReadRTCP()
				if err != nil {
					return
				}
				for _, pk := range pkts {
					switch pk.(type) {
					case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
						if video {
							p.keyNext.Store(true)
						}
					}
				}
			}
		}()
	}
	return p, nil
}

// run sends until stop is closed; counts packets into sent.
func (p *publisher) run(stop <-chan struct{}, videoBitrate, fps int, opus bool, sent *atomic.Int64) {
	frameBytes := videoBitrate / 8 / fps
	npk := (frameBytes + 1099) / 1100
	pay := frameBytes / npk
	vbuf := make([]byte, pay)
	abuf := make([]byte, 80)
	var vseq, aseq uint16
	start := time.Now()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	frames, audios := 0, 0
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		el := time.Since(start)
		for ; opus && time.Duration(audios)*20*time.Millisecond <= el; audios++ {
			binary.BigEndian.PutUint64(abuf[8:], uint64(time.Now().UnixNano()))
			aseq++
			_ = p.audio.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: aseq, Timestamp: uint32(audios) * 960}, Payload: abuf})
			sent.Add(1)
		}
		for ; time.Duration(frames)*time.Second/time.Duration(fps) <= el; frames++ {
			key := frames%(3*fps) == 0 || p.keyNext.Swap(false)
			for i := 0; i < npk; i++ {
				vbuf[0], vbuf[1] = 0x00, 0x01 // continuation, interframe
				if i == 0 {
					vbuf[0] = 0x10 // S bit, partition 0
					if key {
						vbuf[1] = 0x00 // keyframe
					}
				}
				binary.BigEndian.PutUint64(vbuf[8:], uint64(time.Now().UnixNano()))
				vseq++
				_ = p.video.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, Marker: i == npk-1, SequenceNumber: vseq, Timestamp: uint32(frames) * 3000}, Payload: vbuf})
				sent.Add(1)
			}
		}
	}
}
