package sfu

import (
	"bytes"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
)

// participantGoroutinesIn counts the goroutines labelled as caused by a
// participant whose stack contains fn.
func participantGoroutinesIn(t testing.TB, fn string) int {
	var buf bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&buf, 1); err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, rec := range strings.Split(buf.String(), "\n\n") {
		n, _, ok := strings.Cut(rec, " @ ")
		if !ok || !strings.Contains(rec, "sfu-participant") || !strings.Contains(rec, fn) {
			continue
		}
		c, _ := strconv.Atoi(strings.TrimSpace(n))
		total += c
	}
	return total
}

// The publisher transport's NACK, receiver-report and TWCC loops report on
// received media; a receive-only viewer publishes none, so joining
// viewers must not add such loops (each woke up 10–20 times a second),
// while the speaker's loss is still repaired by NACKs.
func TestViewersRunNoLoopsForMediaTheyDoNotPublish(t *testing.T) {
	env := newTestEnv(t, Config{})
	_, s := publisher(t, env, "event", "speaker")
	for _, who := range []string{"viewer-1", "viewer-2", "viewer-3"} {
		v := subscriber(t, env, "event", who, RoleViewer, clientOptions{})
		verifyIdentical(t, s, nextTrack(t, v, webrtc.RTPCodecTypeVideo), 3)
	}
	for _, loop := range []string{
		"nack.(*GeneratorInterceptor).loop",
		"report.(*ReceiverInterceptor).loop",
		"twcc.(*SenderInterceptor).loop",
	} {
		if n := participantGoroutinesIn(t, loop); n != 1 {
			t.Errorf("%s: %d goroutines with the speaker and 3 viewers, want 1 (the speaker's)", loop, n)
		}
	}

	// The speaker's loops run: a gap in its video is asked for again.
	before := s.nacks.Load()
	s.seqJump.Store(3)
	eventually(t, 5*time.Second, "a NACK for the speaker's lost packets", func() bool { return s.nacks.Load() > before })
}
