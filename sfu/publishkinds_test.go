package sfu

import (
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
)

// issueWithholding registers a token for a publishing role that may not
// send the kinds in withhold (as the appliance issues it for a guardian
// without camera, say).
func (a *tokenAuth) issueWithholding(room, identity string, withhold Kinds) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	tok := room + "/" + identity + "/withhold"
	a.grants[tok] = Grant{Room: room, Identity: identity, DisplayName: identity, Role: RoleInterpreter, Withhold: withhold, Expires: time.Now().Add(time.Hour)}
	return tok
}

func addAudioOnly(t *testing.T, c *testClient, stream string) {
	t.Helper()
	tr, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "audio", stream)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Pub.AddTrack(tr); err != nil {
		t.Fatal(err)
	}
}

// TestRoleWithheldKindsAreRefused: a participant whose role may not use
// the camera is refused when it offers video, at the join and when it
// renegotiates later, and may not announce a screen share; with audio only
// it joins and receives the others. A grant withholding nothing publishes
// as before.
func TestRoleWithheldKindsAreRefused(t *testing.T) {
	env := newTestEnv(t, Config{})
	_, s := publisher(t, env, "room", "clerk")

	// camera withheld: an offer with video is refused at the join
	c, err := dial(t, env.wsURL(env.auth.issueWithholding("room", "guardian-1", KindVideo|KindScreen)), clientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := addSynth(c, "guardian-cam"); err != nil {
		t.Fatal(err)
	}
	if err := c.join("room", "guardian-1"); rpcCode(err) != codeForbidden {
		t.Fatalf("offer with a withheld camera: err %v, want code %d", err, codeForbidden)
	}

	// audio only: admitted, and it receives the clerk's media
	g, err := dial(t, env.wsURL(env.auth.issueWithholding("room", "guardian-2", KindVideo|KindScreen)), clientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	addAudioOnly(t, g, "guardian-mic")
	if err := g.join("room", "guardian-2"); err != nil {
		t.Fatalf("audio-only join: %v", err)
	}
	verifyIdentical(t, s, nextTrack(t, g, webrtc.RTPCodecTypeVideo), 10)

	// announcing a screen share is refused
	if _, err := g.call("streamKind", streamKindParams{StreamID: "guardian-screen", Kind: "screen"}); rpcCode(err) != codeForbidden {
		t.Fatalf("screen share announced: err %v, want code %d", err, codeForbidden)
	}
	// renegotiating to add a camera later is refused as well
	if _, err := g.Pub.AddTransceiverFromKind(webrtc.RTPCodecTypeVideo, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly}); err != nil {
		t.Fatal(err)
	}
	offer, err := g.Pub.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.call("offer", negotiationParams{Desc: offer}); rpcCode(err) != codeForbidden {
		t.Fatalf("renegotiating to send video: err %v, want code %d", err, codeForbidden)
	}

	// withholding nothing: publishes as before
	free, err := dial(t, env.wsURL(env.auth.issueWithholding("room", "lawyer", 0)), clientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := addSynth(free, "lawyer-cam"); err != nil {
		t.Fatal(err)
	}
	if err := free.join("room", "lawyer"); err != nil {
		t.Fatalf("a grant withholding nothing: %v", err)
	}
}

// TestRoleWithheldKindsInOffers: the offer check tells audio, camera video
// and a stream announced as screen share apart, and ignores sections that
// do not send.
func TestRoleWithheldKindsInOffers(t *testing.T) {
	offer := func(sections ...string) string {
		s := "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
		for _, m := range sections {
			s += m
		}
		return s
	}
	audio := "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=sendrecv\r\na=msid:cam a\r\n"
	video := "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=sendonly\r\na=msid:cam v\r\n"
	screen := "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=sendonly\r\na=msid:scr v\r\n"
	recvVideo := "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=recvonly\r\n"
	isScreen := func(id string) bool { return id == "scr" }
	for _, c := range []struct {
		sdp      string
		withhold Kinds
		refused  bool
	}{
		{offer(audio, video), 0, false},
		{offer(audio, video), KindAudio, true},
		{offer(audio), KindVideo | KindScreen, false},
		{offer(audio, video), KindScreen, false},
		{offer(audio, screen), KindScreen, true},
		{offer(audio, screen), KindVideo, false},
		{offer(audio, recvVideo), KindVideo, false},
	} {
		err := refuseWithheld(c.sdp, c.withhold, isScreen)
		if (err != nil) != c.refused {
			t.Errorf("withhold %s, offer %q: err %v, refused want %v", c.withhold, c.sdp, err, c.refused)
		}
	}
}
