package sfu

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// Signalling targets of the trickle method (ion-sfu numbering).
const (
	targetPublisher  = 0
	targetSubscriber = 1
)

// apiChannelLabel is the data channel the SFU opens on every subscriber
// transport, as ion-sfu does; it carries active-speaker updates.
const apiChannelLabel = "ion-sfu"

// screenStreamPrefix marks, in the stream ID subscribers see, a stream
// its publisher announced as screen share (signalling method "streamKind").
const screenStreamPrefix = "screen-"

var (
	errViewerPublish = errors.New("sfu: this role may not publish media")
	errClosed        = errors.New("sfu: peer closed")
)

// JoinConfig is ion-sfu's join configuration; Go's case-insensitive JSON
// matching accepts both ion-sfu's field names and lower case.
type JoinConfig struct {
	NoPublish       bool `json:"NoPublish"`
	NoSubscribe     bool `json:"NoSubscribe"`
	NoAutoSubscribe bool `json:"NoAutoSubscribe"`
}

// peer is one participant: a publisher PeerConnection on which the client
// offers and a subscriber PeerConnection on which the SFU offers.
type peer struct {
	s      *SFU
	room   *room
	grant  Grant
	uid    string
	cfg    JoinConfig
	log    *slog.Logger
	notify func(method string, params any)
	hangup func()

	pub, sub *webrtc.PeerConnection
	rtcp     *rtcpRouter // subscriber RTCP → downTracks

	mu         sync.Mutex
	closed     bool
	tracks     map[string]*track // published, by track ID
	subs       map[*track]*subscription
	screens    map[string]bool // stream IDs announced as screen share
	dcs        map[string]*webrtc.DataChannel
	remoteSet  [2]bool
	candidates [2][]webrtc.ICECandidateInit // trickled before the remote description
	// Local candidates are held until the description they belong to has
	// been sent, so clients never see a candidate before its SDP.
	candReady  [2]bool
	candHeld   [2][]webrtc.ICECandidateInit
	negPending bool // subscriber offer outstanding, renegotiate after answer
	restartICE bool

	// muted: a host muted this participant; their audio is dropped
	// (moderate.go)
	muted atomic.Bool

	negotiate chan struct{}
	done      chan struct{}
	wg        sync.WaitGroup
}

type subscription struct {
	d      *downTrack
	sender *webrtc.RTPSender
}

func newPeer(s *SFU, r *room, g Grant, uid string, cfg JoinConfig, notify func(string, any), hangup func()) (*peer, error) {
	p := &peer{s: s, room: r, grant: g, uid: uid, cfg: cfg, notify: notify, hangup: hangup,
		log:    s.log.With("room_hash", shortHash(r.id), "role", g.Role.String()),
		tracks: map[string]*track{}, subs: map[*track]*subscription{}, screens: map[string]bool{},
		dcs:       map[string]*webrtc.DataChannel{},
		negotiate: make(chan struct{}, 1), done: make(chan struct{})}
	var err error
	if p.pub, err = s.pubAPI.NewPeerConnection(s.pcConfig()); err != nil {
		return nil, fmt.Errorf("publisher transport: %w", err)
	}
	p.pub.OnICECandidate(func(c *webrtc.ICECandidate) { p.localCandidate(targetPublisher, c) })
	p.pub.OnTrack(p.onTrack)
	p.pub.OnDataChannel(p.onDataChannel)
	if !cfg.NoSubscribe {
		p.rtcp = newRTCPRouter()
		if p.sub, err = s.newSubscriberAPI(p.rtcp).NewPeerConnection(s.pcConfig()); err != nil {
			_ = p.pub.Close()
			return nil, fmt.Errorf("subscriber transport: %w", err)
		}
		p.sub.OnICECandidate(func(c *webrtc.ICECandidate) { p.localCandidate(targetSubscriber, c) })
		p.sub.OnICEConnectionStateChange(func(st webrtc.ICEConnectionState) {
			if st == webrtc.ICEConnectionStateFailed {
				p.requestNegotiation(true)
			}
		})
		dc, err := p.sub.CreateDataChannel(apiChannelLabel, nil)
		if err != nil {
			_ = p.pub.Close()
			_ = p.sub.Close()
			return nil, fmt.Errorf("api data channel: %w", err)
		}
		dc.OnOpen(func() { readData(dc, nil) })
		p.dcs[apiChannelLabel] = dc
		p.wg.Add(1)
		go p.negotiationLoop()
	}
	return p, nil
}

// answer applies a client offer to the publisher transport. The caller
// must call releaseCandidates(targetPublisher) after sending the answer.
func (p *peer) answer(offer webrtc.SessionDescription) (*webrtc.SessionDescription, error) {
	if offer.Type != webrtc.SDPTypeOffer {
		return nil, fmt.Errorf("sfu: expected an offer, got %q", offer.Type)
	}
	if err := refusePublishing(offer.SDP, p.allowedKinds()); err != nil {
		return nil, err
	}
	if err := refuseWithheld(offer.SDP, p.grant.Withhold, p.isScreen); err != nil {
		return nil, err
	}
	if err := p.pub.SetRemoteDescription(offer); err != nil {
		return nil, fmt.Errorf("publisher offer: %w", err)
	}
	p.flushCandidates(targetPublisher)
	ans, err := p.pub.CreateAnswer(nil)
	if err != nil {
		return nil, fmt.Errorf("publisher answer: %w", err)
	}
	p.holdCandidates(targetPublisher) // released by the caller after replying
	if err := p.pub.SetLocalDescription(ans); err != nil {
		return nil, fmt.Errorf("publisher answer: %w", err)
	}
	return p.pub.LocalDescription(), nil
}

// refusePublishing rejects an offer that would send audio or video the
// participant may not (allowed: its role, or the stage; see stage.go). We
// refuse instead of answering recvonly so a misbehaving client learns at
// once; data-channel and receive-only sections are fine.
func refusePublishing(raw string, allowed func(webrtc.RTPCodecType) bool) error {
	var d sdp.SessionDescription
	if err := d.UnmarshalString(raw); err != nil {
		return fmt.Errorf("sfu: unparsable offer: %w", err)
	}
	for _, m := range d.MediaDescriptions {
		kind := sdpKind(m.MediaName.Media)
		if kind == 0 || m.MediaName.Port.Value == 0 || allowed(kind) {
			continue
		}
		sends := true
		for _, a := range m.Attributes {
			switch a.Key {
			case "recvonly", "inactive":
				sends = false
			}
		}
		if sends {
			return errViewerPublish
		}
	}
	return nil
}

// holdCandidates holds local candidates of target until releaseCandidates.
func (p *peer) holdCandidates(target int) {
	p.mu.Lock()
	p.candReady[target] = false
	p.mu.Unlock()
}

// releaseCandidates sends the held local candidates of target; call it
// after the description was queued for the client.
func (p *peer) releaseCandidates(target int) {
	p.mu.Lock()
	p.candReady[target] = true
	held := p.candHeld[target]
	p.candHeld[target] = nil
	p.mu.Unlock()
	for _, c := range held {
		p.notify("trickle", trickleParams{Target: target, Candidate: c})
	}
}

func (p *peer) localCandidate(target int, c *webrtc.ICECandidate) {
	if c == nil {
		return
	}
	init := c.ToJSON()
	p.mu.Lock()
	if !p.candReady[target] {
		p.candHeld[target] = append(p.candHeld[target], init)
		p.mu.Unlock()
		return
	}
	p.mu.Unlock()
	p.notify("trickle", trickleParams{Target: target, Candidate: init})
}

// trickle adds a remote candidate, holding it until the remote
// description of that transport is known.
func (p *peer) trickle(target int, c webrtc.ICECandidateInit) error {
	pc := p.transport(target)
	if pc == nil {
		return fmt.Errorf("sfu: no transport for target %d", target)
	}
	p.mu.Lock()
	if !p.remoteSet[target] {
		p.candidates[target] = append(p.candidates[target], c)
		p.mu.Unlock()
		return nil
	}
	p.mu.Unlock()
	return pc.AddICECandidate(c)
}

func (p *peer) flushCandidates(target int) {
	p.mu.Lock()
	p.remoteSet[target] = true
	held := p.candidates[target]
	p.candidates[target] = nil
	p.mu.Unlock()
	for _, c := range held {
		if err := p.transport(target).AddICECandidate(c); err != nil {
			p.log.Debug("held candidate rejected", "err", err)
		}
	}
}

func (p *peer) transport(target int) *webrtc.PeerConnection {
	switch target {
	case targetPublisher:
		return p.pub
	case targetSubscriber:
		return p.sub
	}
	return nil
}

// onTrack registers a published track (or another simulcast layer of it).
func (p *peer) onTrack(remote *webrtc.TrackRemote, recv *webrtc.RTPReceiver) {
	if !p.s.mayPublish(p.grant, remote.Kind()) {
		_ = recv.Stop()
		return
	}
	if p.withheld(remote) {
		_ = recv.Stop()
		return
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	t, existed := p.tracks[remote.ID()]
	if !existed {
		streamID := remote.StreamID()
		if p.screens[streamID] {
			streamID = screenStreamPrefix + streamID
		}
		t = newTrack(p, remote, streamID, p.s.m)
		p.tracks[remote.ID()] = t
	}
	p.mu.Unlock()
	p.log.Debug("track published", "kind", remote.Kind().String(), "rid", remote.RID(), "codec", remote.Codec().MimeType)
	t.addLayer(remote, recv, func() { p.trackEnded(t) })
	if !existed {
		p.s.m.tracks.Inc()
		p.room.publish(t)
		// sent back from the stage while this track arrived
		p.revokeDisallowed()
	}
}

// trackEnded runs when the last layer of a published track stops.
func (p *peer) trackEnded(t *track) {
	p.mu.Lock()
	if p.tracks[t.id] != t {
		p.mu.Unlock()
		return
	}
	delete(p.tracks, t.id)
	p.mu.Unlock()
	p.s.m.tracks.Dec()
	t.close()
	p.room.unpublish(t)
}

// markScreen records that the client's stream streamID is a screen share.
func (p *peer) markScreen(streamID string) {
	p.mu.Lock()
	p.screens[streamID] = true
	p.mu.Unlock()
}

// subscribe starts sending t to this peer.
func (p *peer) subscribe(t *track) {
	if p.sub == nil || t.owner == p {
		return
	}
	p.mu.Lock()
	if p.closed || p.subs[t] != nil {
		p.mu.Unlock()
		return
	}
	d := newDownTrack(t, t.streamID, p.rtcp)
	sender, err := p.sub.AddTrack(d)
	if err != nil {
		p.mu.Unlock()
		p.log.Warn("subscribe failed", "err", err)
		return
	}
	p.log.Debug("subscribed", "kind", t.kind.String(), "codec", t.codec.MimeType)
	p.subs[t] = &subscription{d: d, sender: sender}
	p.mu.Unlock()
	t.addDown(d)
	p.requestNegotiation(false)
}

// unsubscribe stops sending t to this peer.
func (p *peer) unsubscribe(t *track) {
	p.mu.Lock()
	sub := p.subs[t]
	delete(p.subs, t)
	closed := p.closed
	p.mu.Unlock()
	if sub == nil {
		return
	}
	t.removeDown(sub.d)
	if closed {
		return
	}
	if err := p.sub.RemoveTrack(sub.sender); err != nil {
		p.log.Debug("remove track", "err", err)
	}
	p.requestNegotiation(false)
}

// sendReports sends one compound RTCP packet with a sender report for
// every track this peer receives that has sent media.
func (p *peer) sendReports(now time.Time) {
	p.mu.Lock()
	if p.closed || p.sub == nil {
		p.mu.Unlock()
		return
	}
	pkts := make([]rtcp.Packet, 0, len(p.subs))
	for _, sub := range p.subs {
		if sr := sub.d.senderReport(now); sr != nil {
			pkts = append(pkts, sr)
		}
	}
	p.mu.Unlock()
	if len(pkts) > 0 {
		_ = p.sub.WriteRTCP(pkts)
	}
}

// setLayer selects the simulcast layer of the subscribed tracks of the
// given stream (all streams if streamID is empty).
func (p *peer) setLayer(streamID string, layer int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for t, sub := range p.subs {
		if streamID == "" || t.streamID == streamID || strings.TrimPrefix(t.streamID, screenStreamPrefix) == streamID {
			sub.d.setTarget(layer)
		}
	}
}

// close tears the peer down; safe to call more than once.
func (p *peer) close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	subs := p.subs
	p.subs = map[*track]*subscription{}
	tracks := make([]*track, 0, len(p.tracks))
	for _, t := range p.tracks {
		tracks = append(tracks, t)
	}
	p.mu.Unlock()
	close(p.done)
	p.room.leave(p, tracks)
	for t, sub := range subs {
		t.removeDown(sub.d)
	}
	_ = p.pub.Close()
	if p.sub != nil {
		_ = p.sub.Close()
	}
	for _, t := range tracks {
		t.close()
		t.wg.Wait()
	}
	p.wg.Wait()
	p.hangup()
}

// closeUnjoined releases the transports of a peer that never joined.
func (p *peer) closeUnjoined() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	close(p.done)
	_ = p.pub.Close()
	if p.sub != nil {
		_ = p.sub.Close()
	}
	p.wg.Wait()
}
