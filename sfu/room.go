package sfu

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/pion/webrtc/v4"
)

// speakerInterval is how often the room ranks its audio tracks for
// active-speaker events and adapts simulcast layers. It is a
// signalling-rate timer, not on the media path: packets only add to
// atomic counters.
const speakerInterval = 500 * time.Millisecond

// senderReportInterval is how often subscribers get RTCP sender reports
// (lip sync, round-trip time), from the room's ticker: no goroutine per
// transport as pion's report interceptor would run.
const senderReportInterval = time.Second

// room (ion-sfu: session) is the set of peers that see each other.
type room struct {
	id string
	s  *SFU

	mu       sync.Mutex
	peers    map[*peer]struct{}
	tracks   []*track
	labels   []string // data channel labels opened by publishers
	speakers []string
	closed   bool

	done chan struct{}
	wg   sync.WaitGroup
}

func newRoom(s *SFU, id string) *room {
	r := &room{id: id, s: s, peers: map[*peer]struct{}{}, done: make(chan struct{})}
	r.wg.Add(1)
	go r.speakerLoop()
	return r
}

// shortHash names a room in logs without revealing its ID.
func shortHash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:4])
}

func (r *room) snapshot(except *peer) []*peer {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]*peer, 0, len(r.peers))
	for p := range r.peers {
		if p != except {
			out = append(out, p)
		}
	}
	return out
}

// join adds p and subscribes it to everything already published. It
// fails if the room was closed concurrently. An earlier peer of the same
// identity is disconnected: it is the same person rejoining after a
// network change, whose old connection the server may not have noticed
// dead yet (its tiles would otherwise linger at the others).
func (r *room) join(p *peer) bool {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return false
	}
	var stale []*peer
	for q := range r.peers {
		if p.grant.Identity != "" && q.grant.Identity == p.grant.Identity {
			stale = append(stale, q)
		}
	}
	r.peers[p] = struct{}{}
	p.muted.Store(r.s.mod.isMuted(r.id, p.grant.Identity))
	tracks := slices.Clone(r.tracks)
	labels := slices.Clone(r.labels)
	r.mu.Unlock()
	for _, q := range stale {
		q.log.Info("replaced by a rejoin of the same participant")
		q.hangup()
	}
	r.s.m.peers.Inc()
	if !p.cfg.NoAutoSubscribe {
		for _, t := range tracks {
			p.subscribe(t)
		}
	}
	for _, l := range labels {
		p.ensureData(l)
	}
	p.requestNegotiation(false)
	return true
}

// leave removes p and its tracks; the last one out closes the room.
func (r *room) leave(p *peer, tracks []*track) {
	r.mu.Lock()
	if _, ok := r.peers[p]; !ok {
		r.mu.Unlock()
		return
	}
	delete(r.peers, p)
	r.tracks = slices.DeleteFunc(r.tracks, func(t *track) bool { return t.owner == p })
	empty := len(r.peers) == 0
	r.mu.Unlock()
	r.s.m.peers.Dec()
	for _, t := range tracks {
		for _, o := range r.snapshot(p) {
			o.unsubscribe(t)
		}
	}
	if empty {
		r.s.dropRoom(r)
	}
}

func (r *room) publish(t *track) {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	r.tracks = append(r.tracks, t)
	r.mu.Unlock()
	for _, p := range r.snapshot(t.owner) {
		if !p.cfg.NoAutoSubscribe {
			p.subscribe(t)
		}
	}
}

func (r *room) unpublish(t *track) {
	r.mu.Lock()
	r.tracks = slices.DeleteFunc(r.tracks, func(x *track) bool { return x == t })
	r.mu.Unlock()
	for _, p := range r.snapshot(t.owner) {
		p.unsubscribe(t)
	}
}

func (r *room) openData(label string) {
	r.mu.Lock()
	if !slices.Contains(r.labels, label) {
		r.labels = append(r.labels, label)
	}
	r.mu.Unlock()
	for _, p := range r.snapshot(nil) {
		p.ensureData(label)
	}
}

func (r *room) broadcastData(from *peer, label string, msg webrtc.DataChannelMessage) {
	for _, p := range r.snapshot(from) {
		p.sendData(label, msg)
	}
}

// close stops the room's timer goroutine; peers are closed by the caller.
func (r *room) close() {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	r.closed = true
	r.mu.Unlock()
	close(r.done)
	r.wg.Wait()
}

func (r *room) speakerLoop() {
	defer r.wg.Done()
	tick := time.NewTicker(speakerInterval)
	defer tick.Stop()
	last, lastReport := time.Now(), time.Now()
	for {
		select {
		case <-r.done:
			return
		case now := <-tick.C:
			r.rankSpeakers()
			r.adaptLayers(now.Sub(last))
			last = now
			if now.Sub(lastReport) >= senderReportInterval {
				at := time.Now() // not the tick's time: it may lie in the past
				for _, p := range r.snapshot(nil) {
					p.sendReports(at)
				}
				lastReport = now
			}
		}
	}
}

// adaptLayers runs the simulcast adaptation of every track (adapt.go).
func (r *room) adaptLayers(elapsed time.Duration) {
	r.mu.Lock()
	tracks := slices.Clone(r.tracks)
	r.mu.Unlock()
	for _, t := range tracks {
		t.adaptLayers(elapsed)
	}
}

// rankSpeakers sends "activeSpeakers" (loudest first, stream IDs) to every
// peer when the ranking changed, by signalling and on the api channel.
func (r *room) rankSpeakers() {
	type loud struct {
		stream string
		level  int64
	}
	r.mu.Lock()
	var ls []loud
	for _, t := range r.tracks {
		if t.kind != webrtc.RTPCodecTypeAudio {
			continue
		}
		if v := t.loudness.Swap(0); v > 0 {
			ls = append(ls, loud{t.streamID, v})
		}
	}
	sort.Slice(ls, func(i, j int) bool { return ls[i].level > ls[j].level })
	speakers := make([]string, len(ls))
	for i, l := range ls {
		speakers[i] = l.stream
	}
	changed := !slices.Equal(speakers, r.speakers)
	r.speakers = speakers
	r.mu.Unlock()
	if !changed {
		return
	}
	msg, _ := json.Marshal(speakers)
	for _, p := range r.snapshot(nil) {
		p.notify("activeSpeakers", activeSpeakersParams{Streams: speakers})
		p.sendData(apiChannelLabel, webrtc.DataChannelMessage{IsString: true, Data: msg})
	}
}
