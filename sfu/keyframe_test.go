package sfu

import "testing"

func TestIsKeyframe(t *testing.T) {
	tests := []struct {
		name    string
		mime    string
		payload []byte
		want    bool
	}{
		{"vp8 key, no ext", "video/VP8", []byte{0x10, 0x00}, true},
		{"vp8 delta", "video/VP8", []byte{0x10, 0x01}, false},
		{"vp8 key with 15-bit picture id", "video/vp8", []byte{0x90, 0x80, 0x81, 0x23, 0x00}, true},
		{"vp8 not partition start", "video/VP8", []byte{0x00, 0x00}, false},
		{"vp8 truncated", "video/VP8", []byte{0x90}, false},
		{"vp9 key", "video/VP9", []byte{0x08}, true},
		{"vp9 inter", "video/VP9", []byte{0x48}, false},
		{"h264 idr", "video/H264", []byte{0x65}, true},
		{"h264 sps in stap-a", "video/H264", []byte{0x78, 0x00, 0x02, 0x67, 0x42}, true},
		{"h264 fu-a idr start", "video/H264", []byte{0x7c, 0x85}, true},
		{"h264 fu-a idr middle", "video/H264", []byte{0x7c, 0x05}, false},
		{"h264 p slice", "video/H264", []byte{0x41}, false},
		{"opus", "audio/opus", []byte{0x00}, false},
		{"empty", "video/VP8", nil, false},
	}
	for _, tc := range tests {
		if got := isKeyframe(tc.mime, tc.payload); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}
