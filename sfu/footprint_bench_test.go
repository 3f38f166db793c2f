package sfu

import (
	"bufio"
	"bytes"
	"fmt"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"

	"github.com/pion/webrtc/v4"
)

// participantGoroutines counts the goroutines labelled as caused by a
// participant (see pprofLabel), excluding the test clients' own.
func participantGoroutines(t testing.TB) int {
	var buf bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&buf, 1); err != nil {
		t.Fatal(err)
	}
	total, count := 0, 0
	sc := bufio.NewScanner(&buf)
	for sc.Scan() {
		line := sc.Text()
		if n, _, ok := strings.Cut(line, " @ "); ok {
			count, _ = strconv.Atoi(n)
			continue
		}
		if strings.HasPrefix(line, "# labels:") && strings.Contains(line, "sfu-participant") {
			total += count
		}
	}
	return total
}

// BenchmarkParticipantFootprint reports the SFU goroutines per
// participant in a room where each participant publishes audio and video
// and subscribes to everybody else's (n participants).
//
//	go test -run '^$' -bench ParticipantFootprint -benchtime 1x ./sfu/
func BenchmarkParticipantFootprint(b *testing.B) {
	for _, n := range []int{2, 8} {
		b.Run(fmt.Sprintf("participants=%d", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				env := newTestEnv(b, Config{})
				clients := make([]*testClient, n)
				for j := range clients {
					clients[j], _ = publisher(b, env, "fp", fmt.Sprintf("p%d", j))
				}
				for _, c := range clients { // everybody receives everybody else's video
					for k := 0; k < n-1; k++ {
						nextTrack(b, c, webrtc.RTPCodecTypeVideo)
					}
				}
				runtime.GC()
				b.ReportMetric(float64(participantGoroutines(b))/float64(n), "goroutines/participant")
				for _, c := range clients {
					c.close()
				}
				env.close()
			}
		})
	}
}
