package matrixbridge_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/buergerbuero/buergerbuero/matrixbridge"
	"github.com/buergerbuero/buergerbuero/matrixbridge/connector"
)

// httpLog records the intervals of outgoing HTTP requests, so the time the
// homeserver and the appliance spend can be subtracted from the time a
// message spends in the bridge.
type httpLog struct {
	mu   sync.Mutex
	ivs  [][2]time.Time
	next http.RoundTripper
}

func (h *httpLog) RoundTrip(r *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := h.next.RoundTrip(r)
	h.mu.Lock()
	h.ivs = append(h.ivs, [2]time.Time{start, time.Now()})
	h.mu.Unlock()
	return resp, err
}

// within is the total time of requests overlapping [from, to].
func (h *httpLog) within(from, to time.Time) time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	var d time.Duration
	for _, iv := range h.ivs {
		var s time.Time
		e := iv[1]
		if iv[0].After(from) {
			s = iv[0]
		} else {
			s = from
		}
		if e.After(to) {
			e = to
		}
		if e.After(s) {
			d += e.Sub(s)
		}
	}
	return d
}

type latencies []time.Duration

func (l latencies) pct(p float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	s := slices.Clone(l)
	slices.Sort(s)
	i := int(float64(len(s))*p+0.5) - 1
	return s[min(len(s)-1, i)]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// BenchmarkLatency measures, message by message (b.N per direction; use
// -benchtime 1000x): citizen message → clerk's Matrix sync, clerk message →
// citizen WebSocket, and the time each message spent in the bridge minus
// the homeserver's and appliance's request time (the bridge's own latency).
//
//	go test -tags goolm -run '^$' -bench Latency -benchtime 1000x ./matrixbridge/
func BenchmarkLatency(b *testing.B) {
	e := newEnv(b, "bb.test")
	anna := e.newMXUser("anna")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	cfg, err := matrixbridge.LoadConfig(e.config)
	must(b, err)
	appHTTP := &httpLog{next: e.app.Client().Transport}
	mxHTTP := &httpLog{}
	var trMu sync.Mutex
	var traces []connector.Trace
	logf, err := os.Create(filepath.Join(e.dir, "bridge.log"))
	must(b, err)
	defer logf.Close()
	br, err := matrixbridge.New(cfg, slog.New(slog.NewTextHandler(logf, &slog.HandlerOptions{Level: slog.LevelDebug})), matrixbridge.Options{
		IgnoreUnsupportedServer: true,
		ApplianceClient:         &http.Client{Transport: appHTTP, Timeout: time.Minute},
		ApplianceTLS:            e.app.TLSConfig(),
		WrapMatrixTransport:     func(rt http.RoundTripper) http.RoundTripper { mxHTTP.next = rt; return mxHTTP },
		Trace: func(t connector.Trace) {
			trMu.Lock()
			traces = append(traces, t)
			trMu.Unlock()
		},
	})
	must(b, err)
	must(b, br.Start(ctx))
	defer br.Stop()

	cit := knock(b, e.app, "buergerbuero", "Benchmark")
	var office id.RoomID
	anna.waitFor(waitBridgeUp, "knock", func(evs []seen) bool {
		for _, s := range evs {
			if s.Type == event.EventMessage && strings.Contains(s.Body, cit.Number) {
				office = s.Room
				return true
			}
		}
		return false
	})
	anna.send(office, "!admit "+cit.Number)
	cit.waitTicketState(waitDelivery, "called", "in_consultation")
	var portal id.RoomID
	anna.waitFor(waitDelivery, "consultation room", func(evs []seen) bool {
		for _, s := range evs {
			if strings.Contains(s.Body, "Beratung mit "+cit.Number) {
				portal = s.Room
				return hasMember(evs, s.Room, anna.cli.UserID, event.MembershipJoin)
			}
		}
		return false
	})
	cit.do("POST", "/api/v1/tickets/"+cit.ID+"/enter", nil, nil, 200)
	cit.follow(ctx)

	var toClerk, toCitizen latencies
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		text := fmt.Sprintf("c2m %d", i)
		start := time.Now()
		cit.say(text)
		evs := anna.waitFor(waitDelivery, text, func(evs []seen) bool {
			return containsBody(evs, portal, text)
		})
		toClerk = append(toClerk, atOf(evs, portal, text).Sub(start))
	}
	for i := 0; i < b.N; i++ {
		text := fmt.Sprintf("m2c %d", i)
		start := time.Now()
		anna.send(portal, text)
		ms := cit.waitFor(waitDelivery, text, func(ms []citizenMsg) bool {
			return len(ms) > 0 && ms[len(ms)-1].Text == text
		})
		toCitizen = append(toCitizen, ms[len(ms)-1].received.Sub(start))
	}
	b.StopTimer()

	trMu.Lock()
	var ownToMatrix, ownToAppliance latencies
	for _, t := range traces {
		if t.ToMatrix {
			ownToMatrix = append(ownToMatrix, t.End.Sub(t.Start)-mxHTTP.within(t.Start, t.End)-appHTTP.within(t.Start, t.End))
		} else {
			ownToAppliance = append(ownToAppliance, t.End.Sub(t.Start)-appHTTP.within(t.Start, t.End)-mxHTTP.within(t.Start, t.End))
		}
	}
	trMu.Unlock()
	own := append(slices.Clone(ownToMatrix), ownToAppliance...)
	b.ReportMetric(ms(toClerk.pct(0.5)), "c2m-p50-ms")
	b.ReportMetric(ms(toClerk.pct(0.99)), "c2m-p99-ms")
	b.ReportMetric(ms(toCitizen.pct(0.5)), "m2c-p50-ms")
	b.ReportMetric(ms(toCitizen.pct(0.99)), "m2c-p99-ms")
	b.ReportMetric(ms(own.pct(0.5)), "bridge-p50-ms")
	b.ReportMetric(ms(own.pct(0.99)), "bridge-p99-ms")
	host, _ := os.Hostname()
	b.Logf("machine: %s %s/%s, %d CPUs, %s; n=%d per direction", host, runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version(), b.N)
	b.Logf("citizen → clerk's Matrix sync: p50 %.1f ms, p99 %.1f ms", ms(toClerk.pct(0.5)), ms(toClerk.pct(0.99)))
	b.Logf("clerk → citizen WebSocket:     p50 %.1f ms, p99 %.1f ms", ms(toCitizen.pct(0.5)), ms(toCitizen.pct(0.99)))
	b.Logf("bridge's own time → Matrix:    p50 %.2f ms, p99 %.2f ms (n=%d)", ms(ownToMatrix.pct(0.5)), ms(ownToMatrix.pct(0.99)), len(ownToMatrix))
	b.Logf("bridge's own time → appliance: p50 %.2f ms, p99 %.2f ms (n=%d)", ms(ownToAppliance.pct(0.5)), ms(ownToAppliance.pct(0.99)), len(ownToAppliance))
}

func containsBody(evs []seen, room id.RoomID, body string) bool {
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].Room == room && evs[i].Body == body {
			return true
		}
	}
	return false
}

func atOf(evs []seen, room id.RoomID, body string) time.Time {
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].Room == room && evs[i].Body == body {
			return evs[i].At
		}
	}
	return time.Time{}
}
