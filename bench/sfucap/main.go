// Command sfucap measures the SFU (sfu/) with its clients in a separate
// process, so that the SFU process's CPU time and memory are the SFU's
// alone: memory per participant, whole-process CPU per forwarded packet
// (SRTP included) and how many 1:1 consultations the box carries.
//
//	go build -o /tmp/sfucap ./bench/sfucap
//	/tmp/sfucap -server 127.0.0.1:7100 &          # the SFU process
//	/tmp/sfucap -url http://127.0.0.1:7100 -steps 1,2,4,8,16   # 1:1 consultations
//	/tmp/sfucap -url http://127.0.0.1:7100 -room 8x50          # 8 publishers × 50 subscribers
//	/tmp/sfucap -url http://127.0.0.1:7100 -event 50,100,200,300  # 1 speaker → receive-only viewers
//
// Use a fresh server process per run: memory is measured as the growth
// from the server's state when the client starts.
//
// The same client drives the ion-sfu v1.11.0 baseline (bench/ionsfu
// serves the same /stats):
//
//	(cd bench/ionsfu && go build -o /tmp/ionsfu .) && /tmp/ionsfu -a 127.0.0.1:7000 &
//	/tmp/sfucap -url http://127.0.0.1:7000 -steps 1,2,4,8,16
package main

import (
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/buergerbuero/buergerbuero/bench/procstat"
)

func main() {
	server := flag.String("server", "", "run the SFU on this HTTP address")
	url := flag.String("url", "http://127.0.0.1:7100", "SFU server to drive")
	steps := flag.String("steps", "1,2,4,8", "1:1 consultation counts to step through")
	room := flag.String("room", "", "one room of PUBSxSUBS instead of 1:1 consultations")
	event := flag.String("event", "", "one speaker (audio + video) to receive-only viewers, joined in these steps, e.g. 50,100,200,300")
	joinPar := flag.Int("join-par", 4, "event mode: viewers joining at the same time")
	vbr := flag.Int("video-bitrate", 1_300_000, "synthetic VP8 bitrate per publisher, bit/s")
	fps := flag.Int("fps", 30, "synthetic video frames per second")
	opus := flag.Bool("opus", true, "also publish Opus (50 packets/s)")
	idle := flag.Bool("idle", false, "before each media window, measure a window in which the participants joined in this step do not publish yet (earlier steps keep publishing)")
	hold := flag.Duration("hold", 0, "keep the clients connected this long after the last step (for /debug/pprof/heap)")
	warm := flag.Duration("warm", 5*time.Second, "settling time after joining")
	dur := flag.Duration("dur", 15*time.Second, "measuring window per step")
	flag.Parse()
	if *server != "" {
		runServer(*server)
		return
	}
	d := &driver{base: *url, vbr: *vbr, fps: *fps, opus: *opus, idle: *idle, stop: make(chan struct{})}
	var err error
	if d.api, err = newAPI(); err != nil {
		log.Fatal(err)
	}
	d.s0 = d.stats(true)
	fmt.Printf("server baseline: rss %.1f MiB, heap+stack %.1f MiB, goroutines %d\n",
		mib(d.s0.RSSBytes), mib(int64(d.s0.HeapInuse+d.s0.StackInuse)), d.s0.Goroutines)
	fmt.Println("| consultations / room | participants | SFU CPU µs per forwarded pkt | forwarded pkt/s | SFU CPU % of 1 core | client CPU % of 1 core | one-way latency p50 / p99 / max ms | loss % | SFU RSS Δ per participant KiB | heap+stack Δ per participant KiB | goroutines per participant |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|---|")
	if *event != "" {
		d.runEvent(*event, *joinPar, *warm, *dur)
		time.Sleep(*hold)
		return
	}
	if *room != "" {
		p, s, ok := strings.Cut(*room, "x")
		np, _ := strconv.Atoi(p)
		ns, _ := strconv.Atoi(s)
		if !ok || np < 1 || ns < 0 {
			log.Fatal("-room wants PUBSxSUBS")
		}
		for i := 0; i < np; i++ {
			d.join("room", fmt.Sprintf("pub%d", i), true)
		}
		for i := 0; i < ns; i++ {
			d.join("room", fmt.Sprintf("sub%d", i), false)
		}
		d.fanout = int64(np + ns - 1)
		d.measure(*room, np+ns, *warm, *dur)
		time.Sleep(*hold)
		return
	}
	n := 0
	d.fanout = 1
	for _, f := range strings.Split(*steps, ",") {
		want, _ := strconv.Atoi(f)
		for ; n < want; n++ {
			d.join(fmt.Sprintf("c%d", n), "clerk", true)
			d.join(fmt.Sprintf("c%d", n), "citizen", true)
		}
		d.measure(strconv.Itoa(n), 2*n, *warm, *dur)
	}
	time.Sleep(*hold)
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

type driver struct {
	base   string
	api    *webrtc.API
	vbr    int
	fps    int
	opus   bool
	idle   bool
	pubs   []*publisher
	stop   chan struct{}
	s0     stats
	fanout int64 // receivers per sent packet

	sent, recv atomic.Int64
	measuring  atomic.Bool
	mu         sync.Mutex
	lat        []int64 // µs, collected while measuring
	cmu        sync.Mutex
	clients    []*client
	tracks     []*trackCount
}

func (d *driver) stats(gc bool) stats {
	u := d.base + "/stats"
	if gc {
		u += "?gc=1"
	}
	resp, err := http.Get(u)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	var s stats
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		log.Fatal(err)
	}
	return s
}

func (d *driver) join(room, who string, publish bool) {
	ws := "ws" + strings.TrimPrefix(d.base, "http") + "/ws?access_token=" + room + "/" + who + "/citizen"
	c, err := dial(d.api, ws, d.read)
	if err != nil {
		log.Fatalf("dial %s/%s: %v", room, who, err)
	}
	var p *publisher
	if publish {
		if p, err = addPublisher(c, room+"-"+who); err != nil {
			log.Fatal(err)
		}
	}
	if err := c.Join(room, who); err != nil {
		log.Fatalf("join %s/%s: %v", room, who, err)
	}
	d.clients = append(d.clients, c)
	if p != nil {
		d.pubs = append(d.pubs, p)
	}
}

// read consumes one received track, recording latency while measuring.
func (d *driver) read(t *webrtc.TrackRemote) { d.readFirst(t, nil) }

// readFirst is read that also calls firstFrame (if not nil) once, when the
// first complete video frame has arrived: the SFU starts a subscriber's
// video at a keyframe, so that is the packet with the first marker bit.
func (d *driver) readFirst(t *webrtc.TrackRemote, firstFrame func()) {
	if t.Kind() != webrtc.RTPCodecTypeVideo {
		firstFrame = nil
	}
	cnt := &trackCount{video: t.Kind() == webrtc.RTPCodecTypeVideo}
	d.cmu.Lock()
	d.tracks = append(d.tracks, cnt)
	d.cmu.Unlock()
	go func() {
		buf := make([]byte, 1500)
		local := make([]int64, 0, 4096)
		flush := func() {
			d.mu.Lock()
			d.lat = append(d.lat, local...)
			d.mu.Unlock()
			local = local[:0]
		}
		for {
			n, _, err := t.Read(buf)
			if err != nil {
				return
			}
			now := time.Now().UnixNano()
			if firstFrame != nil && n >= 2 && buf[1]&0x80 != 0 {
				firstFrame()
				firstFrame = nil
			}
			if !d.measuring.Load() {
				if len(local) > 0 {
					flush()
				}
				continue
			}
			if n < 12 {
				continue
			}
			hl := 12 + 4*int(buf[0]&0x0f)
			if buf[0]&0x10 != 0 && n >= hl+4 { // header extension
				hl += 4 + 4*int(binary.BigEndian.Uint16(buf[hl+2:]))
			}
			if n < hl+16 {
				continue
			}
			d.recv.Add(1)
			cnt.n.Add(1)
			local = append(local, (now-int64(binary.BigEndian.Uint64(buf[hl+8:])))/1000)
			if len(local) == cap(local) {
				flush()
			}
		}
	}()
}

// measure starts the publishers that joined since the last call (after an
// idle window if asked), lets things settle and measures one window.
func (d *driver) measure(label string, participants int, warm, dur time.Duration) {
	if d.idle {
		d.window(label+" (no media)", participants, warm, dur)
	}
	for _, p := range d.pubs {
		go p.run(d.stop, d.vbr, d.fps, d.opus, &d.sent)
	}
	d.pubs = nil
	d.window(label, participants, warm, dur)
}

func (d *driver) window(label string, participants int, warm, dur time.Duration) stats {
	time.Sleep(warm)
	mem := d.stats(true)
	d.mu.Lock()
	d.lat = d.lat[:0]
	d.mu.Unlock()
	s0, c0 := d.stats(false), procstat.CPUNanos()
	sent0, recv0 := d.sent.Load(), d.recv.Load()
	d.resetTracks()
	t0 := time.Now()
	d.measuring.Store(true)
	time.Sleep(dur)
	d.measuring.Store(false)
	el := time.Since(t0)
	s1, c1 := d.stats(false), procstat.CPUNanos()
	sent, recv := d.sent.Load()-sent0, d.recv.Load()-recv0
	time.Sleep(200 * time.Millisecond) // readers flush their samples on the next packet
	d.mu.Lock()
	lat := append([]int64(nil), d.lat...)
	d.mu.Unlock()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		return float64(lat[int(float64(len(lat)-1)*p/100)]) / 1000
	}
	fwd := s1.PacketsOut - s0.PacketsOut
	if fwd == 0 && recv > 0 {
		// A server without packet counters (ion-sfu, bench/ionsfu): count
		// what the clients received, a lower bound of what it forwarded.
		fwd = float64(recv)
	}
	fwd = max(fwd, 1)
	loss := 0.0
	if exp := sent * d.fanout; exp > 0 {
		loss = 100 * (1 - float64(recv)/float64(exp))
	}
	pp := float64(participants)
	fmt.Printf("| %s | %d | %.2f | %.0f | %.0f | %.0f | %.2f / %.2f / %.2f | %.3f | %.0f | %.0f | %.1f |\n",
		label, participants,
		float64(s1.CPUNanos-s0.CPUNanos)/1000/fwd,
		fwd/el.Seconds(),
		100*float64(s1.CPUNanos-s0.CPUNanos)/float64(el.Nanoseconds()),
		100*float64(c1-c0)/float64(el.Nanoseconds()),
		pct(50), pct(99), pct(100),
		loss,
		float64(mem.RSSBytes-d.s0.RSSBytes)/1024/pp,
		float64(int64(mem.HeapInuse+mem.StackInuse)-int64(d.s0.HeapInuse+d.s0.StackInuse))/1024/pp,
		float64(mem.Goroutines-d.s0.Goroutines)/pp)
	if os.Getenv("SFUCAP_DEBUG") != "" {
		d.trackSpread()
		fmt.Printf("  SFU system CPU %.2f µs per forwarded pkt (of the total above)\n", float64(s1.SysNanos-s0.SysNanos)/1000/fwd)
		fmt.Printf("  sent %d recv %d samples %d fwd %.0f in %.0f lost(in) %.0f nack-retx %.0f peers %.0f udp-rcvbuf-errors(box) %d sfu-cpu-ms %.1f\n",
			sent, recv, len(lat), fwd, s1.PacketsIn-s0.PacketsIn, s1.PacketsLost-s0.PacketsLost, s1.NackRetx-s0.NackRetx, s1.Peers,
			s1.UDPRcvbufErrors-s0.UDPRcvbufErrors, float64(s1.CPUNanos-s0.CPUNanos)/1e6)
	}
	return mem
}
