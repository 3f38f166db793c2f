package sfu

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
)

// publisher joins room as clerk and starts synthetic media.
func publisher(t testing.TB, env *testEnv, room, who string) (*testClient, *synth) {
	t.Helper()
	c, err := dial(t, env.wsURL(env.auth.issue(room, who, RoleClerk)), clientOptions{})
	if err != nil {
		t.Fatalf("dial %s: %v", who, err)
	}
	s, err := addSynth(c, "stream-"+who)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.halt)
	if err := c.join(room, who); err != nil {
		t.Fatalf("join %s: %v", who, err)
	}
	s.start()
	return c, s
}

// subscriber joins room with role and returns its client.
func subscriber(t testing.TB, env *testEnv, room, who string, role Role, o clientOptions) *testClient {
	t.Helper()
	c, err := dial(t, env.wsURL(env.auth.issue(room, who, role)), o)
	if err != nil {
		t.Fatalf("dial %s: %v", who, err)
	}
	if err := c.join(room, who); err != nil {
		t.Fatalf("join %s: %v", who, err)
	}
	return c
}

// nextTrack waits for the next remote track of kind.
func nextTrack(t testing.TB, c *testClient, kind webrtc.RTPCodecType) *webrtc.TrackRemote {
	t.Helper()
	for i, tr := range c.stash {
		if tr.Kind() == kind {
			c.stash = append(c.stash[:i], c.stash[i+1:]...)
			return tr
		}
	}
	deadline := time.After(waitMedia)
	for {
		select {
		case tr := <-c.tracks:
			if tr.Kind() == kind {
				return tr
			}
			c.stash = append(c.stash, tr)
		case <-deadline:
			t.Fatalf("no %s track within %v", kind, waitMedia)
		}
	}
}

// verifyIdentical reads n packets of tr and checks every payload equals
// what the synthetic publisher sent, in order without gaps.
func verifyIdentical(t *testing.T, s *synth, tr *webrtc.TrackRemote, n int) {
	t.Helper()
	_ = tr.SetReadDeadline(time.Now().Add(waitMedia))
	var lastSeq uint16
	for i := 0; i < n; i++ {
		p, _, err := tr.ReadRTP()
		if err != nil {
			t.Fatalf("%s: read after %d packets: %v", tr.Kind(), i, err)
		}
		key, sent, _ := s.lookup(tr.Kind(), p.Payload)
		if !bytes.Equal(sent, p.Payload) {
			t.Fatalf("%s packet %s differs: got %d bytes, sent %d", tr.Kind(), key, len(p.Payload), len(sent))
		}
		if i > 0 && p.SequenceNumber != lastSeq+1 {
			t.Fatalf("%s: sequence jumped from %d to %d", tr.Kind(), lastSeq, p.SequenceNumber)
		}
		lastSeq = p.SequenceNumber
	}
}

func TestForwardVP8AndOpusByteIdentical(t *testing.T) {
	env := newTestEnv(t, Config{})
	_, s := publisher(t, env, "room-a", "clerk")
	sub := subscriber(t, env, "room-a", "citizen", RoleCitizen, clientOptions{})
	video := nextTrack(t, sub, webrtc.RTPCodecTypeVideo)
	if mt := video.Codec().MimeType; mt != webrtc.MimeTypeVP8 {
		t.Fatalf("video codec %s, want VP8", mt)
	}
	audio := nextTrack(t, sub, webrtc.RTPCodecTypeAudio)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		verifyIdentical(t, s, audio, 100)
	}()
	verifyIdentical(t, s, video, 100)
	wg.Wait()
}

// dropper drops the first copy of every dropEvery-th video packet the
// subscriber receives, so its NACK generator asks for it again.
type dropper struct {
	dropEvery uint16
	mu        sync.Mutex
	dropped   map[uint16]bool
	count     int
}

func (d *dropper) NewInterceptor(string) (interceptor.Interceptor, error) {
	return &dropInterceptor{d: d}, nil
}

type dropInterceptor struct {
	interceptor.NoOp
	d *dropper
}

func (i *dropInterceptor) BindRemoteStream(info *interceptor.StreamInfo, r interceptor.RTPReader) interceptor.RTPReader {
	if info.MimeType != webrtc.MimeTypeVP8 {
		return r
	}
	return interceptor.RTPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
		for {
			n, attr, err := r.Read(b, a)
			if err != nil || n < 4 {
				return n, attr, err
			}
			seq := binary.BigEndian.Uint16(b[2:4])
			i.d.mu.Lock()
			drop := seq%i.d.dropEvery == 0 && !i.d.dropped[seq]
			if drop {
				i.d.dropped[seq] = true
				i.d.count++
			}
			i.d.mu.Unlock()
			if !drop {
				return n, attr, err
			}
		}
	})
}

func TestNACKAnsweredFromBuffer(t *testing.T) {
	env := newTestEnv(t, Config{})
	_, s := publisher(t, env, "room-n", "clerk")
	d := &dropper{dropEvery: 7, dropped: map[uint16]bool{}}
	// The dropper sits behind SRTP, so the retransmission would look like
	// a replay; real loss happens before SRTP.
	noReplay := func(se *webrtc.SettingEngine) { se.DisableSRTPReplayProtection(true) }
	sub := subscriber(t, env, "room-n", "citizen", RoleCitizen, clientOptions{subInterceptors: []interceptor.Factory{d}, settings: noReplay})
	video := nextTrack(t, sub, webrtc.RTPCodecTypeVideo)
	_ = video.SetReadDeadline(time.Now().Add(waitMedia))
	got := map[uint16]bool{}
	var first uint16
	for i := 0; i < 150; i++ {
		p, _, err := video.ReadRTP()
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		if i == 0 {
			first = p.SequenceNumber
		}
		if _, sent, _ := s.lookup(webrtc.RTPCodecTypeVideo, p.Payload); !bytes.Equal(sent, p.Payload) {
			t.Fatalf("retransmitted payload differs")
		}
		got[p.SequenceNumber] = true
	}
	d.mu.Lock()
	var missing []uint16
	for seq := range d.dropped {
		if int16(seq-first) > 0 && int16(seq-first) < 100 && !got[seq] {
			missing = append(missing, seq)
		}
	}
	dropped := d.count
	d.mu.Unlock()
	if dropped == 0 {
		t.Fatal("no packet was dropped; test is broken")
	}
	if len(missing) > 0 {
		t.Fatalf("dropped packets never retransmitted: %v", missing)
	}
	if env.counter("buergerbuero_sfu_nack_retransmits_total") == 0 {
		t.Fatal("nack_retransmits_total is 0")
	}
	if n := s.nacks.Load(); n != 0 {
		t.Fatalf("publisher got %d NACKs: loss on the subscriber leg must be repaired by the SFU", n)
	}
}

// keyframesOnRequest sets up room with a publisher that sends keyframes
// only when asked (like a browser) and one citizen already receiving it;
// it returns the publisher and its keyframe-request count so far.
func keyframesOnRequest(t *testing.T, env *testEnv, room string) (*synth, int32) {
	t.Helper()
	_, s := publisher(t, env, room, "clerk")
	s.keyEvery.Store(1 << 30)
	first := subscriber(t, env, room, "citizen", RoleCitizen, clientOptions{})
	verifyIdentical(t, s, nextTrack(t, first, webrtc.RTPCodecTypeVideo), 20)
	return s, s.plis.Load()
}

func TestLateJoinerTriggersKeyframeRequest(t *testing.T) {
	env := newTestEnv(t, Config{})
	s, before := keyframesOnRequest(t, env, "room-k")
	late := subscriber(t, env, "room-k", "interpreter", RoleInterpreter, clientOptions{})
	v2 := nextTrack(t, late, webrtc.RTPCodecTypeVideo)
	eventually(t, waitMedia, "PLI at the publisher after the late join", func() bool { return s.plis.Load() > before })
	verifyIdentical(t, s, v2, 20)
}

// TestForwardEachVideoCodec publishes VP8, VP9 and H.264 in turn; each
// must be negotiated as such towards the subscriber and arrive unchanged.
func TestForwardEachVideoCodec(t *testing.T) {
	for _, c := range []webrtc.RTPCodecCapability{
		{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000},
		{MimeType: webrtc.MimeTypeVP9, ClockRate: 90000, SDPFmtpLine: "profile-id=0"},
		{MimeType: webrtc.MimeTypeH264, ClockRate: 90000, SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"},
	} {
		t.Run(c.MimeType, func(t *testing.T) {
			env := newTestEnv(t, Config{})
			pc, err := dial(t, env.wsURL(env.auth.issue("codec", "clerk", RoleClerk)), clientOptions{})
			if err != nil {
				t.Fatal(err)
			}
			s, err := addSynthCodec(pc, "s", c)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(s.halt)
			if err := pc.join("codec", "clerk"); err != nil {
				t.Fatal(err)
			}
			s.start()
			sub := subscriber(t, env, "codec", "citizen", RoleCitizen, clientOptions{})
			video := nextTrack(t, sub, webrtc.RTPCodecTypeVideo)
			if !strings.EqualFold(video.Codec().MimeType, c.MimeType) {
				t.Fatalf("subscriber got %s, want %s", video.Codec().MimeType, c.MimeType)
			}
			verifyIdentical(t, s, video, 40)
		})
	}
}

// With several subscribers the fan-out leaves in one sendmmsg per packet
// (udpbatch.go); every subscriber still gets every packet intact and in
// order.
func TestFanOutByteIdenticalToEverySubscriber(t *testing.T) {
	env := newTestEnv(t, Config{})
	if env.sfu.batch == nil {
		t.Fatal("the SFU's UDP socket does not batch sends on this platform")
	}
	_, s := publisher(t, env, "room-f", "clerk")
	const subs = 4
	var wg sync.WaitGroup
	for i := 0; i < subs; i++ {
		sub := subscriber(t, env, "room-f", fmt.Sprintf("viewer-%d", i), RoleViewer, clientOptions{})
		video := nextTrack(t, sub, webrtc.RTPCodecTypeVideo)
		audio := nextTrack(t, sub, webrtc.RTPCodecTypeAudio)
		wg.Add(2)
		go func() { defer wg.Done(); verifyIdentical(t, s, video, 100) }()
		go func() { defer wg.Done(); verifyIdentical(t, s, audio, 100) }()
	}
	wg.Wait()
}

// After an outage (a long run of lost packets) the SFU asks the publisher
// for a keyframe at once, so subscribers' decoders recover without
// waiting for their own keyframe requests.
func TestLongGapTriggersKeyframeRequest(t *testing.T) {
	env := newTestEnv(t, Config{})
	s, before := keyframesOnRequest(t, env, "room-g")
	s.seqJump.Store(1000) // 1000 packets "lost" in the network
	eventually(t, waitMedia, "PLI at the publisher after the gap", func() bool { return s.plis.Load() > before })
}

// senderReport waits for the next sender report about track tr at
// client c.
func senderReport(t *testing.T, c *testClient, tr *webrtc.TrackRemote) *rtcp.SenderReport {
	t.Helper()
	var recv *webrtc.RTPReceiver
	for _, r := range c.Sub.GetReceivers() {
		if r.Track() == tr {
			recv = r
		}
	}
	if recv == nil {
		t.Fatalf("no receiver for the %s track", tr.Kind())
	}
	_ = recv.SetReadDeadline(time.Now().Add(waitMedia))
	for {
		pkts, _, err := recv.ReadRTCP()
		if err != nil {
			t.Fatalf("%s: no sender report: %v", tr.Kind(), err)
		}
		for _, p := range pkts {
			if sr, ok := p.(*rtcp.SenderReport); ok && sr.SSRC == uint32(tr.SSRC()) {
				return sr
			}
		}
	}
}

// Subscribers get sender reports for every track, once a second, with
// counts that grow and an RTP↔NTP mapping that keeps a publisher's audio
// and video in step (lip sync): the synthetic publisher stamps both with
// the same instant, so reported for one instant their RTP times agree.
func TestSenderReportsKeepAudioAndVideoInStep(t *testing.T) {
	env := newTestEnv(t, Config{})
	_, s := publisher(t, env, "room-s", "clerk")
	sub := subscriber(t, env, "room-s", "citizen", RoleCitizen, clientOptions{})
	video := nextTrack(t, sub, webrtc.RTPCodecTypeVideo)
	audio := nextTrack(t, sub, webrtc.RTPCodecTypeAudio)
	var wg sync.WaitGroup
	wg.Add(2) // keep reading media, as a browser would
	go func() { defer wg.Done(); verifyIdentical(t, s, video, 800) }()
	go func() { defer wg.Done(); verifyIdentical(t, s, audio, 800) }()
	// the SFU reports all of a subscriber's tracks at one instant: find
	// the audio report of the same round as a video report
	v1, v2 := senderReport(t, sub, video), senderReport(t, sub, video)
	a2 := senderReport(t, sub, audio)
	for a2.NTPTime != v2.NTPTime {
		if a2.NTPTime < v2.NTPTime {
			a2 = senderReport(t, sub, audio)
		} else {
			v1, v2 = v2, senderReport(t, sub, video)
		}
	}
	if v2.PacketCount <= v1.PacketCount || v2.OctetCount <= v1.OctetCount {
		t.Fatalf("video sender reports do not count up: %+v then %+v", v1, v2)
	}
	if gap := ntpSeconds(v2.NTPTime) - ntpSeconds(v1.NTPTime); gap < 0.5 || gap > 2 {
		t.Fatalf("video sender reports %.2f s apart, want about 1 s", gap)
	}
	// video at 90 kHz and audio at 48 kHz, both 0 at the synth's start
	if skew := float64(v2.RTPTime)/90000 - float64(a2.RTPTime)/48000; skew > 0.02 || skew < -0.02 {
		t.Fatalf("audio and video disagree by %.0f ms at the same wall-clock time (video %+v, audio %+v)", skew*1000, v2, a2)
	}
	wg.Wait()
}

func ntpSeconds(ntp uint64) float64 { return float64(ntp>>32) + float64(ntp&0xffffffff)/(1<<32) }
