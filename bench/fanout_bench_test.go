package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
	"github.com/buergerbuero/buergerbuero/appliance/config"
)

// BenchmarkFanout10k: 10,000 citizens wait in one office, each with a live
// WebSocket (TLS) to the appliance running as its own process. One queue
// change (the first citizen leaves) must reach all 9,999 others with their
// new place. In the same run, the same clients (same WebSocket library,
// same TLS, same payload per client) are driven against Centrifugo, a
// well-known Go fan-out server built from the module proxy, in its
// per-client mode (one publication per client's own channel, as ours sends
// each citizen its own view) and in its broadcast mode (one publication on
// a channel all clients subscribe to). Last, the appliance as a node
// behind a TLS-terminating load balancer (plain WebSockets to the node).
// Reported per server: p50/p99/max latency until each client has its
// update, resident memory per connection (marginal between half and all
// connections) and the CPU time of the server and of the clients per
// change; for ours also Go's heap and stack per connection.
//
//	go test -run '^$' -bench '^BenchmarkFanout10k$' -benchtime 5x ./bench/
//
// BB_FANOUT_CLIENTS scales the number of clients, BB_FANOUT_ONLY=<names,>
// picks servers, BB_SERVER_GOGC sets the appliance's GOGC (default: its
// own, 50); BB_FANOUT_PERF=<file>
// records the measured part with Linux perf (both processes' call graphs).
func BenchmarkFanout10k(b *testing.B) {
	n := 10000
	if v := os.Getenv("BB_FANOUT_CLIENTS"); v != "" {
		fmt.Sscan(v, &n)
	}
	targets := []struct {
		name string
		make func(*testing.B, int) fanoutTarget
	}{{"buergerbuero", ourFanout}, {"centrifugo-per-client", centrifugoPerClient}, {"centrifugo-broadcast", centrifugoBroadcast},
		{"buergerbuero-behind-proxy", ourFanoutBehindProxy}}
	for _, t := range targets {
		if only := os.Getenv("BB_FANOUT_ONLY"); only != "" && !strings.Contains(","+only+",", ","+t.name+",") {
			continue
		}
		// set up once per server, with the parent's b: a sub-benchmark's
		// function runs more than once (b.N = 1, then the -benchtime
		// count) and its clean-ups run after each
		tg := t.make(b, n)
		tg.name = t.name
		f := connectFanout(b, tg, n)
		b.Run(tg.name, func(b *testing.B) { f.measure(b, tg) })
		f.close()
		tg.stop()
	}
}

// fanoutTarget is a server under measurement.
type fanoutTarget struct {
	name string
	pid  int
	// dial opens client i's connection and returns once the server has
	// confirmed it (the first message read is passed to ready)
	dial  func(i int) (*websocket.Conn, error)
	ready func(ws *websocket.Conn) (place int, err error)
	// update returns the place in an update message (ok false: not one)
	update func(msg []byte) (place int, ok bool)
	// answer is what a client replies to a message (nil: nothing)
	answer func(msg []byte) []byte
	// change prepares one change that reaches the clients with places
	// above round (0-based); fire makes it and returns the number of
	// updates to wait for (the clock runs from fire's call)
	change func(round int, byPlace []int) (fire func() int)
	// memstats reads Go's memory figures of the server, if it has them
	memstats func() map[string]float64
	stop     func()
}

// fanoutClients holds the connected clients.
type fanoutClients struct {
	n        int
	conns    []*websocket.Conn
	byPlace  []int // client index by place - 1
	updates  chan time.Time
	armed    atomic.Bool
	perConn  float64
	memDelta map[string]float64
	round    int
	all      []time.Duration
	srvCPU   time.Duration
	cliCPU   time.Duration
	changes  int
}

func connectFanout(b *testing.B, tg fanoutTarget, n int) *fanoutClients {
	f := &fanoutClients{n: n, conns: make([]*websocket.Conn, n), byPlace: make([]int, n), updates: make(chan time.Time, 2*n)}
	var mu sync.Mutex
	connect := func(i int) {
		ws, err := tg.dial(i)
		if err == nil {
			var place int
			if place, err = tg.ready(ws); err == nil {
				mu.Lock()
				f.conns[i] = ws
				if place >= 1 && place <= n {
					f.byPlace[place-1] = i
				}
				mu.Unlock()
				go f.read(ws, tg)
			}
		}
		if err != nil {
			b.Errorf("client %d: %v", i, err)
		}
	}
	// Resident memory is read at six points from half to all connections
	// and the figure per connection is the least-squares slope: the
	// collector grows the heap in steps, so the difference of two points
	// alone moved by ±1.5 KiB from run to run.
	var conns, resident []float64
	mem := map[string][]float64{} // the server's own figures, where it has them
	lo := 0
	for k := range 6 {
		hi := n/2 + k*(n-n/2)/5
		// 32 dialers in parallel; the clients' readers are goroutines
		parallel(hi-lo, 32, func(i int) { connect(lo + i) })
		if b.Failed() {
			b.FailNow()
		}
		lo = hi
		conns, resident = append(conns, float64(hi)), append(resident, float64(rss(b, tg.pid)))
		if tg.memstats != nil {
			for name, v := range tg.memstats() {
				mem[name] = append(mem[name], v)
			}
		}
	}
	f.perConn = slope(conns, resident)
	if tg.memstats != nil {
		f.memDelta = map[string]float64{}
		for name, v := range mem {
			if len(v) == len(conns) {
				f.memDelta[name] = slope(conns, v)
			}
		}
	}
	return f
}

// slope is the least-squares slope of y over x.
func slope(x, y []float64) float64 {
	var mx, my float64
	for i := range x {
		mx, my = mx+x[i], my+y[i]
	}
	mx, my = mx/float64(len(x)), my/float64(len(y))
	var num, den float64
	for i := range x {
		num += (x[i] - mx) * (y[i] - my)
		den += (x[i] - mx) * (x[i] - mx)
	}
	return num / den
}

func (f *fanoutClients) read(ws *websocket.Conn, tg fanoutTarget) {
	for {
		_, msg, err := ws.ReadMessage()
		if err != nil {
			return
		}
		if _, ok := tg.update(msg); ok && f.armed.Load() {
			f.updates <- time.Now()
		} else if tg.answer != nil {
			if a := tg.answer(msg); a != nil {
				ws.WriteMessage(websocket.TextMessage, a)
			}
		}
	}
}

// measure makes b.N changes (continuing the target's rounds) and reports.
func (f *fanoutClients) measure(b *testing.B, tg fanoutTarget) {
	var lat []time.Duration
	stopPerf := perfRecord(b, "BB_FANOUT_PERF")
	srv, cli := procCPU(b, tg.pid), selfCPU()
	f.armed.Store(true)
	b.ResetTimer()
	for range b.N {
		fire := tg.change(f.round, f.byPlace)
		start := time.Now()
		want := fire()
		f.round++
		for range want {
			lat = append(lat, (<-f.updates).Sub(start))
		}
	}
	b.StopTimer()
	f.armed.Store(false)
	srvCPU, cliCPU := procCPU(b, tg.pid)-srv, selfCPU()-cli
	stopPerf()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max-ms")
	}
	b.ReportMetric(f.perConn/1024, "KiB/conn")
	// where the time goes: the server's CPU (encode, write) and the
	// clients' (read, TLS decode, JSON) on the same cores, per change
	b.ReportMetric(float64(srvCPU.Microseconds())/1000/float64(b.N), "server-cpu-ms/change")
	b.ReportMetric(float64(cliCPU.Microseconds())/1000/float64(b.N), "clients-cpu-ms/change")
	if f.memDelta != nil {
		b.ReportMetric(f.memDelta["go_memstats_heap_inuse_bytes"]/1024, "heap-KiB/conn")
		b.ReportMetric(f.memDelta["go_memstats_stack_inuse_bytes"]/1024, "stack-KiB/conn")
		b.ReportMetric(f.memDelta["go_goroutines"], "goroutines/conn")
	}
}

func (f *fanoutClients) close() {
	for _, c := range f.conns {
		if c != nil {
			c.Close()
		}
	}
}

// ourFanout is the appliance: n citizens knock, each keeps the waiting
// room's stream open; a change is the citizen at the head leaving.
func ourFanout(b *testing.B, n int) fanoutTarget { return appliance(b, n, false) }

// ourFanoutBehindProxy is a node behind a TLS-terminating load balancer
// (tls.mode off, as the documented several-node set-up runs its nodes):
// what the node itself holds per connection without the TLS state.
func ourFanoutBehindProxy(b *testing.B, n int) fanoutTarget { return appliance(b, n, true) }

func appliance(b *testing.B, n int, plain bool) fanoutTarget {
	tg := fanoutTarget{}
	cfg := apptest.ServeConfig(b, config.Office{ID: "buergerbuero", Name: "Bürgerbüro", Prefix: "B", Chairs: 5, Languages: []string{"de"}, Hours: apptest.AllDay(), IgnoreHolidays: true, KnocksWithoutClerk: true})
	addr, ws := strings.TrimPrefix(cfg.Site.PublicURL, "https://"), "wss://"
	if plain {
		cfg.TLS.Mode, cfg.TLS.Domains, cfg.Site.PublicURL, ws = "off", nil, "http://"+addr, "ws://"
	}
	cfg.Reception.KnockBurst, cfg.Reception.MaxQueue = 1<<30, n+10
	cfg.Reception.GracePeriod = config.Duration{Duration: time.Hour}
	cfg.HTTP.AdminListen = apptest.FreePort(b)
	if v := os.Getenv("BB_SERVER_GOGC"); v != "" {
		// the server's collector only (this process read GOGC at its start)
		os.Setenv("GOGC", v)
		defer os.Unsetenv("GOGC")
	}
	p := apptest.StartProcess(b, cfg)
	hc := p.Client()
	hc.Transport.(*http.Transport).MaxIdleConnsPerHost = 16
	type ticket struct{ id, token string }
	tickets := make([]ticket, n)
	parallel(n, 16, func(i int) {
		res, err := hc.Post(p.URL+"/api/v1/offices/buergerbuero/knocks", "application/json", strings.NewReader(`{"concern":"Messung der Verteilung","language":"de"}`))
		if err != nil {
			b.Error(err)
			return
		}
		var k struct{ ID, Token string }
		json.NewDecoder(res.Body).Decode(&k)
		res.Body.Close()
		tickets[i] = ticket{k.ID, k.Token}
	})
	d := websocket.Dialer{TLSClientConfig: p.TLSConfig(), HandshakeTimeout: 30 * time.Second, ReadBufferSize: 512, WriteBufferSize: 256}
	tg.pid = p.PID()
	tg.dial = func(i int) (*websocket.Conn, error) {
		// a programmatic client sends its token as a header (browsers use a stream key)
		c, _, err := d.Dial(ws+addr+"/api/v1/tickets/"+tickets[i].id+"/events", http.Header{"Authorization": {"Bearer " + tickets[i].token}})
		return c, err
	}
	tg.ready = func(ws *websocket.Conn) (int, error) {
		_, msg, err := ws.ReadMessage()
		if err != nil {
			return 0, err
		}
		place, _ := ticketPlace(msg)
		return place, nil
	}
	tg.update = ticketPlace
	tg.change = func(round int, byPlace []int) func() int {
		t := tickets[byPlace[round]]
		req, _ := http.NewRequest("DELETE", p.URL+"/api/v1/tickets/"+t.id, nil)
		req.Header.Set("Authorization", "Bearer "+t.token)
		return func() int {
			res, err := hc.Do(req)
			if err != nil || res.StatusCode != 204 {
				b.Fatalf("leave: %v %v", err, res)
			}
			res.Body.Close()
			return len(tickets) - round - 1
		}
	}
	tg.memstats = func() map[string]float64 { return goMem(p) }
	tg.stop = p.Kill
	return tg
}

// ticketPlace reads the place from a waiting-room message. It scans
// instead of decoding the JSON: the clients share the cores with the
// server under test, and decoding 10,000 messages cost them more than the
// server spent encoding them (BENCHMARKS.md); every server is read the
// same way.
func ticketPlace(msg []byte) (int, bool) {
	if !bytes.Contains(msg, []byte(`{"type":"ticket"`)) {
		return 0, false
	}
	i := bytes.Index(msg, []byte(`"place":`))
	if i < 0 {
		return 0, true // no place: being called, in the room
	}
	place := 0
	for _, c := range msg[i+len(`"place":`):] {
		if c < '0' || c > '9' {
			break
		}
		place = place*10 + int(c-'0')
	}
	return place, true
}

// parallel runs fn(0..n-1) on w goroutines.
func parallel(n, w int, fn func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range w {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				fn(i)
			}
		}()
	}
	wg.Wait()
}
