package sfu

import (
	"fmt"
	"testing"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/buergerbuero/buergerbuero/sfu/buffer"
)

// nullWriter stands in for a subscriber's SRTP stream.
type nullWriter struct{}

func (nullWriter) WriteRTP(h *rtp.Header, p []byte) (int, error) {
	return h.MarshalSize() + len(p), nil
}
func (nullWriter) Write(b []byte) (int, error) { return len(b), nil }

// BenchmarkFanout measures the SFU's own work per forwarded packet — buffer,
// keyframe check, rewrite, metrics — without SRTP and sockets, for one
// publisher track fanned out to n subscribers.
//
//	go test -run '^$' -bench Fanout ./sfu/
func BenchmarkFanout(b *testing.B) {
	for _, n := range []int{1, 50} {
		b.Run(fmt.Sprintf("subscribers=%d", n), func(b *testing.B) {
			m, _ := newMetrics(nil)
			t := &track{kind: webrtc.RTPCodecTypeVideo, codec: webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}}, m: m}
			l := &layer{buf: buffer.New(videoBufferBytes, videoBufferSlots), pli: newThrottle(keyframeInterval, func() {})}
			t.layers[0] = l
			t.down.Store(&[]*downTrack{})
			for i := 0; i < n; i++ {
				d := newDownTrack(t, "s", nil)
				d.writer, d.ssrc, d.pt, d.clockRate = nullWriter{}, uint32(i), 96, 90000
				d.bound.Store(true)
				t.addDown(d)
			}
			pkt := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SSRC: 1}, Payload: make([]byte, 1100)}
			pkt.Payload[0] = 0x10 // VP8 keyframe start
			raw, _ := pkt.Marshal()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				pkt.SequenceNumber = uint16(i)
				t.handle(l, raw, &pkt, 0)
			}
			b.StopTimer()
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/forwarded-pkt")
		})
	}
}
