package sfu

import (
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/buergerbuero/buergerbuero/sfu/buffer"
)

var errNoCodec = errors.New("sfu: subscriber does not support the track's codec")

// downTrack is one track as sent to one subscriber. It implements
// webrtc.TrackLocal, rewrites SSRC, payload type, sequence numbers and
// timestamps, and switches simulcast layers on keyframes only.
type downTrack struct {
	t        *track
	id       string
	streamID string
	routes   *rtcpRouter // where the subscriber's RTCP for our SSRC arrives

	bound   atomic.Bool
	current atomic.Int32 // layer being forwarded; -1 before the first keyframe
	target  atomic.Int32 // layer to switch to at the next keyframe
	// maxLayer is the subscriber's own choice ("layer" method), estimate
	// its REMB receive estimate in bit/s (0 = none yet); see adapt.go.
	maxLayer atomic.Int32
	estimate atomic.Uint64

	mu        sync.Mutex
	writer    webrtc.TrackLocalWriter
	ssrc      uint32
	pt        uint8
	clockRate uint32
	started   bool
	seqOff    uint16
	tsOff     uint32
	lastSeq   uint16     // last sequence number sent (output space)
	lastTS    uint32     // last timestamp sent (output space)
	lastAt    time.Time  // when lastTS was sent
	packets   uint32     // sent, for sender reports (RFC 3550 §6.4.1)
	octets    uint32     // payload bytes sent
	switchSeq uint16     // first output sequence number of the current layer
	out       rtp.Header // scratch header, reused so forwarding does not allocate

	// Scratch for NACK answers; used only by handleRTCP, which pion calls
	// from the subscriber transport's one SRTCP read goroutine.
	nackRaw []byte
	nackPkt rtp.Packet
}

var _ webrtc.TrackLocal = (*downTrack)(nil)

func newDownTrack(t *track, streamID string, routes *rtcpRouter) *downTrack {
	d := &downTrack{t: t, id: t.id, streamID: streamID, routes: routes}
	d.current.Store(-1)
	d.target.Store(maxLayers - 1)
	d.maxLayer.Store(maxLayers - 1)
	return d
}

// Bind picks the codec matching the publisher's from what the subscriber
// accepted. It is also the moment the subscriber can start receiving, so
// it asks the publisher for a keyframe.
func (d *downTrack) Bind(ctx webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	c, ok := matchCodec(d.t.codec, ctx.CodecParameters())
	if !ok {
		return webrtc.RTPCodecParameters{}, errNoCodec
	}
	d.mu.Lock()
	d.writer, d.ssrc, d.pt, d.clockRate = ctx.WriteStream(), uint32(ctx.SSRC()), uint8(c.PayloadType), c.ClockRate
	d.mu.Unlock()
	if d.routes != nil {
		d.routes.add(uint32(ctx.SSRC()), d)
	}
	d.bound.Store(true)
	d.t.requestKeyframe(d.t.bestLayer(int(d.target.Load())))
	return c, nil
}

// Unbind stops forwarding.
func (d *downTrack) Unbind(ctx webrtc.TrackLocalContext) error {
	d.bound.Store(false)
	if d.routes != nil {
		d.routes.remove(uint32(ctx.SSRC()), d)
	}
	return nil
}

func (d *downTrack) ID() string                { return d.id }
func (d *downTrack) RID() string               { return "" }
func (d *downTrack) StreamID() string          { return d.streamID }
func (d *downTrack) Kind() webrtc.RTPCodecType { return d.t.kind }

// matchCodec finds the publisher's codec among the negotiated ones: same
// MIME type (case-insensitive — ion-sfu's case-sensitive comparison lost
// VP8 when an offer also had H.264) and, if present, identical fmtp.
func matchCodec(want webrtc.RTPCodecParameters, have []webrtc.RTPCodecParameters) (webrtc.RTPCodecParameters, bool) {
	var fallback *webrtc.RTPCodecParameters
	for i, c := range have {
		if !strings.EqualFold(c.MimeType, want.MimeType) {
			continue
		}
		if c.SDPFmtpLine == want.SDPFmtpLine {
			return c, true
		}
		if fallback == nil && fmtpCompatible(want, c) {
			fallback = &have[i]
		}
	}
	if fallback != nil {
		return *fallback, true
	}
	return webrtc.RTPCodecParameters{}, false
}

// fmtpCompatible compares the fmtp parameters that change the bitstream:
// H.264 packetization mode and profile, VP9 profile.
func fmtpCompatible(a, b webrtc.RTPCodecParameters) bool {
	pa, pb := fmtpMap(a.SDPFmtpLine), fmtpMap(b.SDPFmtpLine)
	switch strings.ToLower(a.MimeType) {
	case "video/h264":
		prof := func(m map[string]string) string {
			if v := m["profile-level-id"]; len(v) >= 2 {
				return strings.ToLower(v[:2])
			}
			return "42"
		}
		mode := func(m map[string]string) string {
			if v, ok := m["packetization-mode"]; ok {
				return v
			}
			return "0"
		}
		return mode(pa) == mode(pb) && prof(pa) == prof(pb)
	case "video/vp9":
		id := func(m map[string]string) string {
			if v, ok := m["profile-id"]; ok {
				return v
			}
			return "0"
		}
		return id(pa) == id(pb)
	}
	return true
}

func fmtpMap(line string) map[string]string {
	m := map[string]string{}
	for _, kv := range strings.Split(line, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
		m[strings.ToLower(k)] = v
	}
	return m
}

// forward is called from a layer's read loop for every packet.
func (d *downTrack) forward(layer int, hdr *rtp.Header, payload []byte, key bool) {
	if !d.bound.Load() {
		return
	}
	cur, tgt := int(d.current.Load()), int(d.target.Load())
	if layer != cur && layer != d.t.bestLayer(tgt) {
		return
	}
	if layer != cur && d.t.kind == webrtc.RTPCodecTypeVideo && !key {
		d.t.requestKeyframe(layer)
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if layer != int(d.current.Load()) {
		d.switchTo(layer, hdr)
	}
	d.write(hdr, payload)
}

// switchTo starts forwarding layer from the packet hdr on, continuing the
// output sequence and timestamp spaces seamlessly.
func (d *downTrack) switchTo(layer int, hdr *rtp.Header) {
	if d.started {
		d.seqOff = d.lastSeq + 1 - hdr.SequenceNumber
		elapsed := uint32(time.Since(d.lastAt) * time.Duration(d.clockRate) / time.Second)
		d.tsOff = d.lastTS + max(elapsed, 1) - hdr.Timestamp
	}
	d.switchSeq = hdr.SequenceNumber + d.seqOff
	d.current.Store(int32(layer))
}

// write sends the packet rewritten for this subscriber. d.mu held.
func (d *downTrack) write(hdr *rtp.Header, payload []byte) {
	d.rewrite(hdr)
	out := &d.out
	if _, err := d.writer.WriteRTP(out, payload); err != nil {
		return
	}
	d.t.m.packetsOut.Inc()
	d.t.m.bytesOut.Add(float64(out.MarshalSize() + len(payload)))
	d.packets++
	d.octets += uint32(len(payload))
	if !d.started || int16(out.SequenceNumber-d.lastSeq) > 0 {
		d.lastSeq, d.lastTS, d.lastAt = out.SequenceNumber, out.Timestamp, time.Now()
	}
	d.started = true
}

// retransmit answers a NACKed output sequence number from the current
// layer's packet buffer.
func (d *downTrack) retransmit(seq uint16, raw []byte, pkt *rtp.Packet) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	cur := int(d.current.Load())
	l := d.t.layerAt(cur)
	if l == nil || l.buf == nil || !d.started || int16(seq-d.switchSeq) < 0 {
		return false
	}
	n := l.buf.Get(seq-d.seqOff, raw)
	if n == 0 || pkt.Unmarshal(raw[:n]) != nil {
		return false
	}
	d.rewrite(&pkt.Header)
	_, err := d.writer.WriteRTP(&d.out, pkt.Payload)
	return err == nil
}

// rewrite fills d.out from hdr in the subscriber's SSRC, payload type,
// sequence and timestamp spaces. Header extensions are dropped: their IDs
// were negotiated with the publisher, not with this subscriber. d.mu held.
func (d *downTrack) rewrite(hdr *rtp.Header) {
	d.out = *hdr
	d.out.SSRC, d.out.PayloadType = d.ssrc, d.pt
	d.out.SequenceNumber += d.seqOff
	d.out.Timestamp += d.tsOff
	d.out.Extension, d.out.Extensions, d.out.ExtensionProfile = false, nil, 0
}

// setTarget selects the highest simulcast layer this subscriber wants; the
// switch happens at the next keyframe of that layer, which is requested
// now. Congestion may keep it lower (adapt.go).
func (d *downTrack) setTarget(layer int) {
	layer = min(max(layer, 0), maxLayers-1)
	d.maxLayer.Store(int32(layer))
	d.target.Store(int32(layer))
	d.t.requestKeyframe(d.t.bestLayer(layer))
}

// handleRTCP handles the RTCP the subscriber sent about this track (pion's
// SRTCP session splits compound packets and delivers each part to the
// SSRCs it names; the checks of the media SSRC below keep it that way
// whatever delivers): NACKs from the buffer, PLI/FIR to the publisher, reports to
// metrics and layer adaptation. pion calls it (through rtcpRouter) from
// the subscriber transport's SRTCP read goroutine, so it must not block.
func (d *downTrack) handleRTCP(b []byte) {
	pkts, err := rtcp.Unmarshal(b)
	if err != nil {
		return
	}
	for _, p := range pkts {
		switch p := p.(type) {
		case *rtcp.TransportLayerNack:
			if p.MediaSSRC != d.ssrcOf() {
				continue
			}
			if d.nackRaw == nil {
				d.nackRaw = make([]byte, buffer.MaxPacketSize)
			}
			for i := range p.Nacks {
				// Range, not PacketList: no slice per NACK pair (under
				// loss at 300 viewers PacketList was a third of all the
				// SFU's allocations).
				p.Nacks[i].Range(func(seq uint16) bool {
					d.t.m.nacksReceived.Inc()
					if d.retransmit(seq, d.nackRaw, &d.nackPkt) {
						d.t.m.nackRetransmit.Inc()
					} else {
						d.t.m.nackMissed.Inc()
					}
					return true
				})
			}
		case *rtcp.PictureLossIndication:
			if p.MediaSSRC == d.ssrcOf() {
				d.t.requestKeyframe(int(d.current.Load()))
			}
		case *rtcp.FullIntraRequest:
			for _, e := range p.FIR {
				if e.SSRC == d.ssrcOf() {
					d.t.requestKeyframe(int(d.current.Load()))
					break
				}
			}
		case *rtcp.ReceiverReport:
			d.observeReports(p.Reports)
		case *rtcp.ReceiverEstimatedMaximumBitrate:
			d.estimate.Store(uint64(p.Bitrate))
		}
	}
}

// ssrcOf returns the SSRC this downTrack sends with.
func (d *downTrack) ssrcOf() uint32 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.ssrc
}

func (d *downTrack) observeReports(reports []rtcp.ReceptionReport) {
	ssrc := d.ssrcOf()
	for _, r := range reports {
		if r.SSRC != ssrc {
			continue // a report about another of this subscriber's tracks
		}
		d.t.m.subscriberLoss.Observe(float64(r.FractionLost) / 256)
		if r.LastSenderReport == 0 {
			continue
		}
		// RFC 3550 §6.4.1: RTT = A − LSR − DLSR in 1/65536 s.
		now := ntpCompact(time.Now())
		if rtt := now - r.LastSenderReport - r.Delay; rtt < 1<<20 {
			d.t.m.rtt.Observe(float64(rtt) / 65536)
		}
	}
}

// senderReport describes what this downTrack sent, for the subscriber:
// the RTP timestamp that corresponds to now (extrapolated from the last
// packet at the codec's clock rate, as pion's report interceptor does, so
// audio and video of one publisher stay in step), and the counts. nil
// before the first packet.
func (d *downTrack) senderReport(now time.Time) *rtcp.SenderReport {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.started || !d.bound.Load() {
		return nil
	}
	// signed: a packet may have gone out after now was taken
	rtpTime := d.lastTS + uint32(int64(now.Sub(d.lastAt).Seconds()*float64(d.clockRate)))
	return &rtcp.SenderReport{SSRC: d.ssrc, NTPTime: ntpTime(now), RTPTime: rtpTime, PacketCount: d.packets, OctetCount: d.octets}
}

// ntpTime is t as a 64-bit NTP timestamp.
func ntpTime(t time.Time) uint64 {
	const ntpEpochOffset = 2208988800
	secs := uint64(t.Unix()) + ntpEpochOffset
	frac := uint64(t.Nanosecond()) << 32 / 1e9
	return secs<<32 | frac
}

// ntpCompact is the middle 32 bits of the NTP timestamp of t.
func ntpCompact(t time.Time) uint32 { return uint32(ntpTime(t) >> 16) }
