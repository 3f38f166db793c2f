package sfu

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// synthInterval paces the synthetic publisher (200 packets/s per track).
const synthInterval = 5 * time.Millisecond

// synth publishes synthetic VP8 and Opus: every video packet is a whole
// frame (keyframe every keyEvery packets or after a PLI), every payload
// carries a counter so receivers can compare it byte for byte.
type synth struct {
	video, audio *webrtc.TrackLocalStaticRTP
	keyHdr       [2]byte // first two payload bytes of a keyframe
	deltaHdr     [2]byte // and of an interframe
	keyEvery     atomic.Uint32
	seqJump      atomic.Uint32 // added to video sequence numbers (simulated outage)

	mu     sync.Mutex
	sent   map[string][]byte // "v:<n>" / "a:<n>" → payload
	sentAt map[string]time.Time

	plis    atomic.Int32
	nacks   atomic.Int32
	keyNext atomic.Bool
	stop    chan struct{}
	wg      sync.WaitGroup
}

func addSynth(c *testClient, stream string) (*synth, error) {
	return addSynthCodec(c, stream, webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000})
}

// synthHeaders are codec payload headers that our keyframe detection
// understands: VP8 descriptor + frame tag, VP9 descriptor (B, P bits),
// H.264 NAL header (IDR vs. non-IDR slice).
var synthHeaders = map[string][2][2]byte{
	webrtc.MimeTypeVP8:  {{0x10, 0x00}, {0x10, 0x01}},
	webrtc.MimeTypeVP9:  {{0x08, 0x00}, {0x48, 0x00}},
	webrtc.MimeTypeH264: {{0x65, 0x00}, {0x41, 0x00}},
}

func addSynthCodec(c *testClient, stream string, video webrtc.RTPCodecCapability) (*synth, error) {
	s := &synth{sent: map[string][]byte{}, sentAt: map[string]time.Time{}, stop: make(chan struct{})}
	s.keyEvery.Store(30)
	hdrs := synthHeaders[video.MimeType]
	s.keyHdr, s.deltaHdr = hdrs[0], hdrs[1]
	var err error
	if s.video, err = webrtc.NewTrackLocalStaticRTP(video, "video", stream); err != nil {
		return nil, err
	}
	if s.audio, err = webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "audio", stream); err != nil {
		return nil, err
	}
	for _, tr := range []*webrtc.TrackLocalStaticRTP{s.video, s.audio} {
		sender, err := c.Pub.AddTrack(tr)
		if err != nil {
			return nil, err
		}
		go s.readRTCP(sender) // ends when the client's PeerConnection closes
	}
	return s, nil
}

func (s *synth) readRTCP(sender *webrtc.RTPSender) {
	for {
		pkts, _, err := sender.ReadRTCP()
		if err != nil {
			return
		}
		for _, p := range pkts {
			switch p.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				s.plis.Add(1)
				s.keyNext.Store(true)
			case *rtcp.TransportLayerNack:
				s.nacks.Add(1)
			}
		}
	}
}

// start sends until halt.
func (s *synth) start() {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		tick := time.NewTicker(synthInterval)
		defer tick.Stop()
		for n := uint32(0); ; n++ {
			select {
			case <-s.stop:
				return
			case <-tick.C:
			}
			s.sendVideo(n)
			s.sendAudio(n)
		}
	}()
}

func (s *synth) halt() {
	select {
	case <-s.stop:
	default:
		close(s.stop)
	}
	s.wg.Wait()
}

func (s *synth) sendVideo(n uint32) {
	key := n%s.keyEvery.Load() == 0 || s.keyNext.Swap(false)
	p := make([]byte, 6, 106)
	copy(p, s.deltaHdr[:])
	if key {
		copy(p, s.keyHdr[:])
	}
	binary.BigEndian.PutUint32(p[2:], n)
	p = append(p, bytes.Repeat([]byte{byte(n)}, 100)...)
	s.record(fmt.Sprintf("v:%d", n), p)
	_ = s.video.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, Marker: true, SequenceNumber: uint16(n + s.seqJump.Load()), Timestamp: n * 450}, Payload: p})
}

func (s *synth) sendAudio(n uint32) {
	p := make([]byte, 4, 64)
	binary.BigEndian.PutUint32(p, n)
	p = append(p, bytes.Repeat([]byte{byte(n ^ 0x5a)}, 60)...)
	s.record(fmt.Sprintf("a:%d", n), p)
	_ = s.audio.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: uint16(n), Timestamp: n * 240}, Payload: p})
}

func (s *synth) record(key string, p []byte) {
	s.mu.Lock()
	s.sent[key], s.sentAt[key] = p, time.Now()
	s.mu.Unlock()
}

// lookup returns the payload sent under the counter found in received.
func (s *synth) lookup(kind webrtc.RTPCodecType, received []byte) (key string, sent []byte, at time.Time) {
	off := 0
	prefix := "a"
	if kind == webrtc.RTPCodecTypeVideo {
		off, prefix = 2, "v"
	}
	if len(received) < off+4 {
		return "", nil, time.Time{}
	}
	key = fmt.Sprintf("%s:%d", prefix, binary.BigEndian.Uint32(received[off:]))
	s.mu.Lock()
	defer s.mu.Unlock()
	return key, s.sent[key], s.sentAt[key]
}
