package sfu

import (
	"fmt"

	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// Publish kinds: a participant whose role publishes may still be kept
// from sending some kinds of media (the rights of its role in the office:
// a guardian without camera, a written interpreter without screen share).
// The admission's Grant.Withhold names them; the SFU refuses an offer
// that would send such a kind (code -32001, as for a viewer), refuses
// announcing a screen share, and drops a track of such a kind should one
// arrive anyway.

// Kinds is a set of media kinds.
type Kinds uint8

// Media kinds a participant may be kept from publishing.
const (
	KindAudio  Kinds = 1 << iota // microphone
	KindVideo                    // camera
	KindScreen                   // a video stream announced as screen share ("streamKind")
)

func (k Kinds) String() string {
	var s string
	for _, x := range []struct {
		k    Kinds
		name string
	}{{KindAudio, "audio"}, {KindVideo, "video"}, {KindScreen, "screen"}} {
		if k&x.k != 0 {
			if s != "" {
				s += "+"
			}
			s += x.name
		}
	}
	return s
}

// kindOf is the publish kind of a sent media section or track.
func kindOf(codec webrtc.RTPCodecType, screen bool) Kinds {
	switch {
	case codec == webrtc.RTPCodecTypeAudio:
		return KindAudio
	case codec == webrtc.RTPCodecTypeVideo && screen:
		return KindScreen
	case codec == webrtc.RTPCodecTypeVideo:
		return KindVideo
	}
	return 0
}

// refuseWithheld rejects an offer that would send a kind in withhold;
// screen tells a stream ID announced as screen share (nil: none is).
func refuseWithheld(raw string, withhold Kinds, screen func(streamID string) bool) error {
	if withhold == 0 {
		return nil
	}
	var d sdp.SessionDescription
	if err := d.UnmarshalString(raw); err != nil {
		return fmt.Errorf("sfu: unparsable offer: %w", err)
	}
	for _, m := range d.MediaDescriptions {
		if m.MediaName.Port.Value == 0 {
			continue
		}
		var codec webrtc.RTPCodecType
		switch m.MediaName.Media {
		case "audio":
			codec = webrtc.RTPCodecTypeAudio
		case "video":
			codec = webrtc.RTPCodecTypeVideo
		default:
			continue
		}
		sends, stream := true, ""
		for _, a := range m.Attributes {
			switch a.Key {
			case "recvonly", "inactive":
				sends = false
			case "msid":
				if stream == "" {
					fmt.Sscan(a.Value, &stream)
				}
			}
		}
		if k := kindOf(codec, screen != nil && stream != "" && screen(stream)); sends && withhold&k != 0 {
			return fmt.Errorf("%w: %s", errViewerPublish, k)
		}
	}
	return nil
}

// isScreen reports whether the client announced streamID as screen share.
func (p *peer) isScreen(streamID string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.screens[streamID]
}

// withheld reports whether a track that arrived is of a kind p may not
// publish.
func (p *peer) withheld(remote *webrtc.TrackRemote) bool {
	return p.grant.Withhold&kindOf(remote.Kind(), p.isScreen(remote.StreamID())) != 0
}
