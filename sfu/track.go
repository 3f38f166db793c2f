package sfu

import (
	"strings"
	"sync"
	"sync/atomic"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"github.com/buergerbuero/buergerbuero/sfu/buffer"
)

// The NACK history per video layer: 96 KiB hold ≈ 0.6 s at 1.3 Mbit/s
// (720p) and ≈ 1.5 s of a 500 kbit/s simulcast layer, several round trips
// even on a 150 ms mobile path; the index covers 256 packets.
const (
	videoBufferBytes = 96 << 10
	videoBufferSlots = 256
)

// keyframeGap is the number of consecutive lost packets of a video layer
// after which the SFU asks the publisher for a keyframe at once instead
// of waiting for subscribers to notice: ≈ half a second at 720p.
const keyframeGap = 50

// maxLayers is the number of simulcast layers we forward (low, mid, high).
const maxLayers = 3

// track is one published media track. Without simulcast it has one layer
// (index 0); with simulcast up to three, one per RID. Packets are fanned
// out synchronously from each layer's read goroutine to the downtracks:
// no queue, no polling.
type track struct {
	id, streamID string
	kind         webrtc.RTPCodecType
	codec        webrtc.RTPCodecParameters
	owner        *peer
	m            *metrics
	batch        *batchConn // the SFU's UDP socket, for batched fan-out; may be nil

	mu     sync.Mutex
	layers [maxLayers]*layer
	closed bool
	live   int // running layer read loops

	down atomic.Pointer[[]*downTrack] // copy-on-write subscriber list
	wg   sync.WaitGroup               // layer read loops

	// audio level accumulation for active-speaker detection (RFC 6464):
	// sum of (127 - level) over loud packets since the last observation.
	loudness atomic.Int64
}

// layer is one RTP stream of a track: one SSRC, its packet buffer and its
// keyframe-request throttle.
type layer struct {
	idx    int
	remote *webrtc.TrackRemote
	buf    *buffer.Buffer
	pli    *throttle
	bytes  atomic.Uint64 // received since the last bitrate sample
}

func newTrack(owner *peer, remote *webrtc.TrackRemote, streamID string, m *metrics) *track {
	t := &track{id: remote.ID(), streamID: streamID, kind: remote.Kind(), codec: remote.Codec(), owner: owner, m: m, batch: owner.s.batch}
	t.down.Store(&[]*downTrack{})
	return t
}

// layerIndex maps the RIDs browsers use to our layer order.
func layerIndex(rid string) int {
	switch strings.ToLower(rid) {
	case "", "q", "l", "0", "low":
		return 0
	case "h", "m", "1", "mid", "medium":
		return 1
	default:
		return 2
	}
}

// addLayer starts forwarding one RTP stream of this track.
// onEnded runs once, when the last running layer stops.
func (t *track) addLayer(remote *webrtc.TrackRemote, recv *webrtc.RTPReceiver, onEnded func()) {
	l := &layer{idx: layerIndex(remote.RID()), remote: remote}
	if t.kind == webrtc.RTPCodecTypeVideo {
		l.buf = buffer.New(videoBufferBytes, videoBufferSlots)
	}
	ssrc := uint32(remote.SSRC())
	pc := t.owner.pub
	l.pli = newThrottle(keyframeInterval, func() {
		if pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: ssrc}}) == nil {
			t.m.plisSent.Inc()
		}
	})
	t.mu.Lock()
	if t.closed || t.layers[l.idx] != nil {
		t.mu.Unlock()
		l.pli.stop()
		return
	}
	t.layers[l.idx] = l
	t.wg.Add(1)
	t.live++
	t.mu.Unlock()
	levelID := 0
	for _, e := range recv.GetParameters().HeaderExtensions {
		if e.URI == sdp.AudioLevelURI {
			levelID = e.ID
		}
	}
	go func() {
		defer t.wg.Done()
		t.readLoop(l, levelID)
		t.mu.Lock()
		t.live--
		last := t.live == 0
		t.mu.Unlock()
		if last {
			onEnded()
		}
	}()
}

// readLoop reads one layer until its PeerConnection closes. It blocks in
// Read; the fan-out happens inline so forwarding adds no queueing delay.
func (t *track) readLoop(l *layer, levelID int) {
	raw := make([]byte, buffer.MaxPacketSize)
	var pkt rtp.Packet
	var lastSeq uint16
	started := false
	for {
		n, _, err := l.remote.Read(raw)
		if err != nil {
			return
		}
		if pkt.Unmarshal(raw[:n]) != nil {
			continue
		}
		t.m.packetsIn.Inc()
		t.m.bytesIn.Add(float64(n))
		l.bytes.Add(uint64(n))
		if started {
			if gap := int16(pkt.SequenceNumber - lastSeq); gap > 1 {
				t.m.packetsLost.Add(float64(gap - 1))
				if gap > keyframeGap && l.buf != nil {
					// Too much lost for retransmissions to repair in
					// time (a network outage, a stall): every
					// subscriber's decoder needs a fresh keyframe.
					l.pli.request()
				}
			}
		}
		if !started || int16(pkt.SequenceNumber-lastSeq) > 0 {
			lastSeq, started = pkt.SequenceNumber, true
		}
		t.handle(l, raw[:n], &pkt, levelID)
	}
}

// handle stores one parsed packet and fans it out to the subscribers.
func (t *track) handle(l *layer, raw []byte, pkt *rtp.Packet, levelID int) {
	if t.kind == webrtc.RTPCodecTypeAudio && t.owner.muted.Load() {
		return // a host muted the publisher (moderate.go)
	}
	if l.buf != nil {
		l.buf.Put(pkt.SequenceNumber, raw)
	}
	if levelID != 0 {
		t.observeLevel(pkt.GetExtension(uint8(levelID)))
	}
	key := t.kind == webrtc.RTPCodecTypeVideo && isKeyframe(t.codec.MimeType, pkt.Payload)
	if key {
		l.pli.satisfied()
	}
	downs := *t.down.Load()
	batch := t.batch
	if batch == nil || len(downs) < 2 {
		for _, d := range downs {
			d.forward(l.idx, &pkt.Header, pkt.Payload, key)
		}
		return
	}
	// One sendmmsg for the whole fan-out instead of a sendto per subscriber.
	batch.hold()
	for _, d := range downs {
		d.forward(l.idx, &pkt.Header, pkt.Payload, key)
	}
	batch.release()
}

// audioLoudThreshold is the RFC 6464 level (−dBov) below which a packet
// counts as speech; 127 is silence.
const audioLoudThreshold = 50

func (t *track) observeLevel(ext []byte) {
	if len(ext) < 1 {
		return
	}
	if level := int64(ext[0] & 0x7f); level < audioLoudThreshold {
		t.loudness.Add(127 - level)
	}
}

// layerAt returns the layer with index i or nil.
func (t *track) layerAt(i int) *layer {
	if i < 0 || i >= maxLayers {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.layers[i]
}

// bestLayer returns the highest layer index at or below want that exists,
// else the lowest existing one.
func (t *track) bestLayer(want int) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := min(want, maxLayers-1); i >= 0; i-- {
		if t.layers[i] != nil {
			return i
		}
	}
	for i := range t.layers {
		if t.layers[i] != nil {
			return i
		}
	}
	return 0
}

// requestKeyframe asks the publisher for a keyframe on layer i, throttled.
func (t *track) requestKeyframe(i int) {
	if t.kind != webrtc.RTPCodecTypeVideo {
		return
	}
	if l := t.layerAt(i); l != nil {
		l.pli.request()
	}
}

func (t *track) addDown(d *downTrack) {
	t.mu.Lock()
	defer t.mu.Unlock()
	old := *t.down.Load()
	next := make([]*downTrack, 0, len(old)+1)
	next = append(append(next, old...), d)
	t.down.Store(&next)
}

func (t *track) removeDown(d *downTrack) {
	t.mu.Lock()
	defer t.mu.Unlock()
	old := *t.down.Load()
	next := make([]*downTrack, 0, len(old))
	for _, x := range old {
		if x != d {
			next = append(next, x)
		}
	}
	t.down.Store(&next)
}

// close stops the keyframe throttles and waits for the read loops, which
// end when the owner's publisher PeerConnection is closed.
func (t *track) close() {
	t.mu.Lock()
	t.closed = true
	layers := t.layers
	t.mu.Unlock()
	for _, l := range layers {
		if l != nil {
			l.pli.stop()
		}
	}
}
