package sfu

import (
	"crypto/ecdsa"
	stdelliptic "crypto/elliptic"
	"crypto/rand"
	"fmt"

	"github.com/pion/dtls/v3"
	"github.com/pion/dtls/v3/pkg/crypto/elliptic"
	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/nack"
	"github.com/pion/interceptor/pkg/report"
	"github.com/pion/interceptor/pkg/twcc"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// Codecs the SFU forwards. Payload types follow Chrome's defaults so that
// answers rarely need remapping; the offer's payload types win anyway.
var (
	opusCodec   = webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2, SDPFmtpLine: "minptime=10;useinbandfec=1"}
	videoCodecs = []struct {
		pt  webrtc.PayloadType
		cap webrtc.RTPCodecCapability
	}{
		{96, webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}},
		{98, webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP9, ClockRate: 90000, SDPFmtpLine: "profile-id=0"}},
		{100, webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP9, ClockRate: 90000, SDPFmtpLine: "profile-id=2"}},
		{102, webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000, SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f"}},
		{104, webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000, SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"}},
		{106, webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000, SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=4d001f"}},
		{108, webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000, SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=640032"}},
	}
)

// side tells the publisher transport (client sends, SFU receives) from
// the subscriber transport (SFU sends).
type side int

const (
	sidePublisher side = iota
	sideSubscriber
)

// newMediaEngine registers the forwarded codecs with the RTCP feedback each
// side needs: publishers get transport-wide CC feedback from us (the
// browser runs the send-side estimator), subscribers send us REMB, which
// drives simulcast layer choice without a server-side estimator.
func newMediaEngine(s side) (*webrtc.MediaEngine, error) {
	m := &webrtc.MediaEngine{}
	fb := []webrtc.RTCPFeedback{{Type: "nack"}, {Type: "nack", Parameter: "pli"}, {Type: "ccm", Parameter: "fir"}}
	audioFB := []webrtc.RTCPFeedback(nil)
	if s == sidePublisher {
		fb = append(fb, webrtc.RTCPFeedback{Type: webrtc.TypeRTCPFBTransportCC})
		audioFB = []webrtc.RTCPFeedback{{Type: webrtc.TypeRTCPFBTransportCC}}
	} else {
		fb = append(fb, webrtc.RTCPFeedback{Type: webrtc.TypeRTCPFBGoogREMB})
	}
	opus := opusCodec
	opus.RTCPFeedback = audioFB
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: opus, PayloadType: 111}, webrtc.RTPCodecTypeAudio); err != nil {
		return nil, fmt.Errorf("register opus: %w", err)
	}
	for _, c := range videoCodecs {
		vc := c.cap
		vc.RTCPFeedback = fb
		if err := m.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: vc, PayloadType: c.pt}, webrtc.RTPCodecTypeVideo); err != nil {
			return nil, fmt.Errorf("register %s: %w", vc.MimeType, err)
		}
	}
	if s == sidePublisher {
		exts := []struct {
			uri  string
			kind webrtc.RTPCodecType
		}{
			{sdp.AudioLevelURI, webrtc.RTPCodecTypeAudio},
			{sdp.SDESMidURI, webrtc.RTPCodecTypeVideo},
			{sdp.SDESRTPStreamIDURI, webrtc.RTPCodecTypeVideo},
			{sdp.SDESMidURI, webrtc.RTPCodecTypeAudio},
		}
		for _, e := range exts {
			if err := m.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: e.uri}, e.kind); err != nil {
				return nil, fmt.Errorf("register extension %s: %w", e.uri, err)
			}
		}
	}
	return m, nil
}

// nackRetries is how often the SFU asks a publisher for one lost packet.
const nackRetries = 5

// newInterceptors builds the per-side interceptor chain. The publisher
// side generates NACKs and receiver reports towards the browser and sends
// TWCC feedback, each started with the first published stream
// (lazyinterceptor.go); the subscriber side has none (see below).
func newInterceptors(m *webrtc.MediaEngine, s side) (*interceptor.Registry, error) {
	r := &interceptor.Registry{}
	if s == sidePublisher {
		// Ask for a lost packet a few times only (libwebrtc's receiver
		// gives up after 10): after an outage the window holds hundreds of
		// packets the browser no longer has, and unlimited repeats kept a
		// recovering citizen's uplink busy for seconds (e2e recovery test).
		// A long gap asks for a keyframe instead (track.readLoop).
		gen, err := nack.NewGeneratorInterceptor(nack.GeneratorMaxNacksPerPacket(nackRetries))
		if err != nil {
			return nil, fmt.Errorf("nack generator: %w", err)
		}
		r.Add(lazyFactory{gen})
		rr, err := report.NewReceiverInterceptor()
		if err != nil {
			return nil, fmt.Errorf("receiver reports: %w", err)
		}
		r.Add(lazyFactory{rr})
		// As webrtc.ConfigureTWCCSender, with the loop started lazily.
		for _, kind := range []webrtc.RTPCodecType{webrtc.RTPCodecTypeVideo, webrtc.RTPCodecTypeAudio} {
			m.RegisterFeedback(webrtc.RTCPFeedback{Type: webrtc.TypeRTCPFBTransportCC}, kind)
			if err := m.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: sdp.TransportCCURI}, kind); err != nil {
				return nil, fmt.Errorf("twcc: %w", err)
			}
		}
		tw, err := twcc.NewSenderInterceptor()
		if err != nil {
			return nil, fmt.Errorf("twcc: %w", err)
		}
		r.Add(lazyFactory{tw})
		return r, nil
	}
	// Subscriber side: no interceptor. NACKs are answered from our own
	// buffer (rtcpsink.go, downtrack.go), sender reports come from the
	// room's ticker (room.go), so a subscriber transport runs no
	// interceptor goroutine and its write path does no per-packet
	// bookkeeping.
	return r, nil
}

// applyCrypto pins DTLS and SRTP to BSI TR-02102-2: AEAD SRTP profiles
// first, ECDHE-ECDSA with AES-GCM, NIST P-256 (X25519 kept for browsers
// that prefer it is not in TR-02102-2, so it is left out).
func applyCrypto(se *webrtc.SettingEngine) {
	se.SetSRTPProtectionProfiles(
		dtls.SRTP_AEAD_AES_128_GCM,
		dtls.SRTP_AEAD_AES_256_GCM,
		dtls.SRTP_AES128_CM_HMAC_SHA1_80,
	)
	se.SetDTLSCipherSuites(
		dtls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
		dtls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	)
	se.SetDTLSEllipticCurves(elliptic.P256, elliptic.P384)
}

// newCertificate makes the ECDSA P-256 DTLS certificate shared by all
// PeerConnections of one SFU instance.
func newCertificate() (webrtc.Certificate, error) {
	key, err := ecdsa.GenerateKey(stdelliptic.P256(), rand.Reader)
	if err != nil {
		return webrtc.Certificate{}, fmt.Errorf("dtls key: %w", err)
	}
	cert, err := webrtc.GenerateCertificate(key)
	if err != nil {
		return webrtc.Certificate{}, fmt.Errorf("dtls certificate: %w", err)
	}
	return *cert, nil
}
