package main

import (
	"encoding/binary"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/buergerbuero/buergerbuero/sfu/sfuclient"
)

// client is one participant: sfuclient (ion-sfu's JSON-RPC over the wire,
// shared with the SFU's tests).
type client struct {
	*sfuclient.Client
}

func newAPI() (*webrtc.API, error) {
	m := &webrtc.MediaEngine{}
	fb := []webrtc.RTCPFeedback{{Type: "nack"}, {Type: "nack", Parameter: "pli"}}
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000, RTCPFeedback: fb}, PayloadType: 96}, webrtc.RTPCodecTypeVideo); err != nil {
		return nil, err
	}
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, PayloadType: 111}, webrtc.RTPCodecTypeAudio); err != nil {
		return nil, err
	}
	se := webrtc.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	// No interceptor registry is given, so pion v4's NewAPI registers its
	// defaults (NACK generator and responder, RTCP reports, stats, TWCC):
	// the clients NACK lost packets and send receiver reports as browsers
	// do. (Earlier versions of this comment said "no interceptors"; every
	// sfucap result was measured with the defaults.)
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithSettingEngine(se)), nil
}

func dial(api *webrtc.API, url string, onTrack func(*webrtc.TrackRemote)) (*client, error) {
	sc, err := sfuclient.Dial(api, api, url, sfuclient.Options{})
	if err != nil {
		return nil, err
	}
	c := &client{sc}
	c.Sub.OnTrack(func(t *webrtc.TrackRemote, r *webrtc.RTPReceiver) {
		go func() { // drain RTCP
			for {
				if _, _, err := r.ReadRTCP(); err != nil {
					return
				}
			}
		}()
		onTrack(t)
	})
	return c, nil
}

// publisher sends synthetic VP8 (videoBitrate, fps frames/s, each frame
// split into packets of ≤ 1100 bytes, keyframe every 3 s or on PLI) and
// Opus (if opus: 20 ms frames, 80-byte payload ≈ 32 kbit/s). Every payload carries
// its send time at bytes 8..16.
type publisher struct {
	video, audio *webrtc.TrackLocalStaticRTP
	keyNext      atomic.Bool
}

func addPublisher(c *client, stream string) (*publisher, error) {
	p := &publisher{}
	var err error
	if p.video, err = webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "video", stream); err != nil {
		return nil, err
	}
	if p.audio, err = webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "audio", stream); err != nil {
		return nil, err
	}
	for i, tr := range []*webrtc.TrackLocalStaticRTP{p.video, p.audio} {
		sender, err := c.Pub.AddTrack(tr)
		if err != nil {
			return nil, err
		}
		video := i == 0
		go func() {
			for {
				pkts, _, err := sender.ReadRTCP()
				if err != nil {
					return
				}
				for _, pk := range pkts {
					switch pk.(type) {
					case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
						if video {
							p.keyNext.Store(true)
						}
					}
				}
			}
		}()
	}
	return p, nil
}

// run sends until stop is closed; counts packets into sent.
func (p *publisher) run(stop <-chan struct{}, videoBitrate, fps int, opus bool, sent *atomic.Int64) {
	frameBytes := videoBitrate / 8 / fps
	npk := (frameBytes + 1099) / 1100
	pay := frameBytes / npk
	vbuf := make([]byte, pay)
	abuf := make([]byte, 80)
	var vseq, aseq uint16
	start := time.Now()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	frames, audios := 0, 0
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		el := time.Since(start)
		for ; opus && time.Duration(audios)*20*time.Millisecond <= el; audios++ {
			binary.BigEndian.PutUint64(abuf[8:], uint64(time.Now().UnixNano()))
			aseq++
			_ = p.audio.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: aseq, Timestamp: uint32(audios) * 960}, Payload: abuf})
			sent.Add(1)
		}
		for ; time.Duration(frames)*time.Second/time.Duration(fps) <= el; frames++ {
			key := frames%(3*fps) == 0 || p.keyNext.Swap(false)
			for i := 0; i < npk; i++ {
				vbuf[0], vbuf[1] = 0x00, 0x01 // continuation, interframe
				if i == 0 {
					vbuf[0] = 0x10 // S bit, partition 0
					if key {
						vbuf[1] = 0x00 // keyframe
					}
				}
				binary.BigEndian.PutUint64(vbuf[8:], uint64(time.Now().UnixNano()))
				vseq++
				_ = p.video.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, Marker: i == npk-1, SequenceNumber: vseq, Timestamp: uint32(frames) * 3000}, Payload: vbuf})
				sent.Add(1)
			}
		}
	}
}
