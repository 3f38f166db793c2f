package sfu

import (
	"testing"

	"github.com/pion/webrtc/v4"
)

// TestCodecMatchKeepsEveryOfferedCodec guards against ion-sfu's bug, where
// a case-sensitive MIME comparison answered VP8+H.264 offers with H.264.
func TestCodecMatchKeepsEveryOfferedCodec(t *testing.T) {
	have := []webrtc.RTPCodecParameters{
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: "video/vp8", ClockRate: 90000}, PayloadType: 120},
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: "video/H264", ClockRate: 90000, SDPFmtpLine: "packetization-mode=1;profile-level-id=42e01f"}, PayloadType: 121},
		{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: "video/VP9", ClockRate: 90000, SDPFmtpLine: "profile-id=0"}, PayloadType: 122},
	}
	tests := []struct {
		want   webrtc.RTPCodecCapability
		wantPT webrtc.PayloadType
		ok     bool
	}{
		{webrtc.RTPCodecCapability{MimeType: "video/VP8"}, 120, true},
		{webrtc.RTPCodecCapability{MimeType: "video/h264", SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f"}, 121, true},
		{webrtc.RTPCodecCapability{MimeType: "video/H264", SDPFmtpLine: "packetization-mode=0;profile-level-id=42e01f"}, 0, false},
		{webrtc.RTPCodecCapability{MimeType: "video/VP9", SDPFmtpLine: "profile-id=2"}, 0, false},
		{webrtc.RTPCodecCapability{MimeType: "video/AV1"}, 0, false},
	}
	for _, tc := range tests {
		got, ok := matchCodec(webrtc.RTPCodecParameters{RTPCodecCapability: tc.want}, have)
		if ok != tc.ok || (ok && got.PayloadType != tc.wantPT) {
			t.Errorf("%s %q: got PT %d ok=%v, want PT %d ok=%v", tc.want.MimeType, tc.want.SDPFmtpLine, got.PayloadType, ok, tc.wantPT, tc.ok)
		}
	}
}
