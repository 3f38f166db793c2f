package sfu

import (
	"encoding/json"
	"testing"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// FuzzParseRequest feeds the JSON-RPC envelope parser and the parameter
// decoders arbitrary input: they must return errors, never panic.
func FuzzParseRequest(f *testing.F) {
	for _, s := range []string{
		`{"method":"join","params":{"sid":"r","uid":"u","offer":{"type":"offer","sdp":"v=0"}},"id":"1"}`,
		`{"jsonrpc":"2.0","method":"trickle","params":{"target":1,"candidate":{"candidate":"candidate:1 1 udp 1 127.0.0.1 9 typ host"}}}`,
		`{"method":"answer","params":{"desc":{"type":"answer","sdp":""}}}`,
		`{"id":null,"method":"layer","params":{"streamId":"s","layer":2}}`,
		`[]`, `{`, `{"id":{}}`, `null`, `"x"`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		req, e := parseRequest(data)
		if e != nil {
			if e.Code == 0 || e.Message == "" {
				t.Fatalf("error without code or message: %+v", e)
			}
			return
		}
		for _, v := range []any{&joinParams{}, &negotiationParams{}, &trickleParams{}, &layerParams{}, &streamKindParams{}} {
			_ = decodeParams(req.Params, v)
		}
		if j := new(joinParams); decodeParams(req.Params, j) == nil {
			_ = parsableSDP(j.Offer.SDP)
			_ = refusePublishing(j.Offer.SDP, func(webrtc.RTPCodecType) bool { return false })
		}
		if _, err := json.Marshal(response{JSONRPC: "2.0", ID: req.ID}); err != nil && validID(req.ID) {
			t.Fatalf("cannot echo id %q: %v", req.ID, err)
		}
	})
}

// FuzzRTPPath runs a packet through what the media path parses: the RTP
// header, the codec keyframe detectors and the audio-level extension.
func FuzzRTPPath(f *testing.F) {
	vp8Key := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: 1}, Payload: []byte{0x90, 0x80, 0x01, 0x00, 0x9d, 0x01, 0x2a}}
	raw, _ := vp8Key.Marshal()
	f.Add(raw)
	audio := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 111}, Payload: []byte{1, 2, 3}}
	_ = audio.SetExtension(1, []byte{0x85})
	raw, _ = audio.Marshal()
	f.Add(raw)
	f.Add([]byte{0x80, 0x66, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0x7c, 0x85}) // H.264 FU-A IDR start
	f.Fuzz(func(t *testing.T, data []byte) {
		var p rtp.Packet
		if p.Unmarshal(data) != nil {
			return
		}
		for _, mime := range []string{"video/VP8", "video/vp9", "video/H264", "audio/opus"} {
			_ = isKeyframe(mime, p.Payload)
		}
		tr := &track{}
		tr.observeLevel(p.GetExtension(1))
	})
}

// FuzzRTCPPath runs arbitrary bytes through the RTCP handling of a
// subscriber's feedback (reports feed the RTT and loss metrics).
func FuzzRTCPPath(f *testing.F) {
	for _, p := range []rtcp.Packet{
		&rtcp.TransportLayerNack{MediaSSRC: 1, Nacks: []rtcp.NackPair{{PacketID: 10, LostPackets: 0xff}}},
		&rtcp.PictureLossIndication{MediaSSRC: 1},
		&rtcp.ReceiverReport{Reports: []rtcp.ReceptionReport{{SSRC: 1, FractionLost: 12, LastSenderReport: 5, Delay: 7}}},
	} {
		raw, _ := p.Marshal()
		f.Add(raw)
	}
	m, _ := newMetrics(nil)
	d := &downTrack{t: &track{m: m}}
	f.Fuzz(func(t *testing.T, data []byte) {
		pkts, err := rtcp.Unmarshal(data)
		if err != nil {
			return
		}
		for _, p := range pkts {
			switch p := p.(type) {
			case *rtcp.TransportLayerNack:
				for _, pair := range p.Nacks {
					_ = pair.PacketList()
				}
			case *rtcp.ReceiverReport:
				d.observeReports(p.Reports)
			}
		}
	})
}
