package sfu

import "strings"

// isKeyframe reports whether an RTP payload starts or contains a keyframe
// for the given codec MIME type. It must never panic on hostile input
// (fuzzed by FuzzKeyframe).
func isKeyframe(mime string, payload []byte) bool {
	switch {
	case strings.EqualFold(mime, "video/vp8"):
		return vp8Keyframe(payload)
	case strings.EqualFold(mime, "video/vp9"):
		return vp9Keyframe(payload)
	case strings.EqualFold(mime, "video/h264"):
		return h264Keyframe(payload)
	}
	return false
}

// vp8Keyframe parses the VP8 payload descriptor (RFC 7741 §4.2) and checks
// the P bit of the first partition's frame tag.
func vp8Keyframe(p []byte) bool {
	if len(p) < 1 {
		return false
	}
	start, pid := p[0]&0x10 != 0, p[0]&0x07
	i := 1
	if p[0]&0x80 != 0 { // X: extension byte follows
		if len(p) < 2 {
			return false
		}
		x := p[1]
		i = 2
		if x&0x80 != 0 { // I: picture ID, 7 or 15 bits
			if len(p) <= i {
				return false
			}
			if p[i]&0x80 != 0 {
				i++
			}
			i++
		}
		if x&0x40 != 0 { // L: TL0PICIDX
			i++
		}
		if x&0x30 != 0 { // T or K: TID/KEYIDX
			i++
		}
	}
	if !start || pid != 0 || len(p) <= i {
		return false
	}
	return p[i]&0x01 == 0
}

// vp9Keyframe checks the flexible/non-flexible VP9 descriptor
// (RFC 9628): not inter-predicted (P=0) at the beginning of a frame (B=1).
func vp9Keyframe(p []byte) bool {
	if len(p) < 1 {
		return false
	}
	return p[0]&0x40 == 0 && p[0]&0x08 != 0
}

// h264Keyframe looks for an IDR slice or an SPS in single NAL, STAP-A and
// the first fragment of FU-A packets (RFC 6184).
func h264Keyframe(p []byte) bool {
	if len(p) < 1 {
		return false
	}
	switch nal := p[0] & 0x1f; nal {
	case 5, 7:
		return true
	case 24: // STAP-A: 16-bit size, NAL unit, repeated
		for i := 1; i+2 < len(p); {
			size := int(p[i])<<8 | int(p[i+1])
			if t := p[i+2] & 0x1f; t == 5 || t == 7 {
				return true
			}
			i += 2 + size
		}
	case 28: // FU-A: indicator, header (S bit, type)
		return len(p) > 1 && p[1]&0x80 != 0 && (p[1]&0x1f == 5 || p[1]&0x1f == 7)
	}
	return false
}
