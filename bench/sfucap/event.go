package main

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/webrtc/v4"
)

// The event mode (-event 50,100,200,300): one speaker publishing audio and
// video to receive-only viewers (role viewer on our SFU), who join in
// steps while the speaker's media is flowing. Per step it measures a
// window like the other modes (fan-out = the viewers), and per viewer the
// time from opening the signalling connection to the first complete
// video frame. Memory per viewer is marginal: the growth between two
// steps divided by the viewers added.

// firstFrameTimeout bounds the wait for a viewer's first frame; a viewer
// without one by then counts as a timeout and stays connected.
const firstFrameTimeout = 15 * time.Second

type eventStep struct {
	viewers  int
	firsts   []time.Duration // join → first frame of the viewers joined in this step
	timeouts int
	failed   int
	mem      stats
}

func (d *driver) runEvent(spec string, par int, warm, dur time.Duration) {
	d.join("event", "speaker", true)
	for _, p := range d.pubs {
		go p.run(d.stop, d.vbr, d.fps, d.opus, &d.sent)
	}
	d.pubs = nil
	time.Sleep(warm)
	prev := d.stats(true)
	fmt.Printf("speaker publishing: rss %.1f MiB, heap+stack %.1f MiB, goroutines %d\n",
		mib(prev.RSSBytes), mib(int64(prev.HeapInuse+prev.StackInuse)), prev.Goroutines)
	var steps []eventStep
	joined := 0
	for _, f := range strings.Split(spec, ",") {
		want, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || want <= joined {
			continue
		}
		st := d.joinViewers(joined, want, par)
		joined = want
		connected := want - st.failed
		for _, s := range steps {
			connected -= s.failed
		}
		d.fanout = int64(connected)
		st.mem = d.window(fmt.Sprintf("1 → %d", connected), connected+1, warm, dur)
		steps = append(steps, st)
	}
	fmt.Println()
	fmt.Println("| viewers | joined in step | join → first frame p50 / p99 / max ms | no frame in 15 s | join failed | marginal heap+stack KiB per viewer | marginal RSS KiB per viewer | marginal goroutines per viewer |")
	fmt.Println("|---|---|---|---|---|---|---|---|")
	from := 0
	for _, st := range steps {
		added := float64(st.viewers - from)
		ms := func(p float64) float64 {
			if len(st.firsts) == 0 {
				return 0
			}
			return float64(st.firsts[int(float64(len(st.firsts)-1)*p/100)].Microseconds()) / 1000
		}
		fmt.Printf("| %d | %d | %.0f / %.0f / %.0f | %d | %d | %.0f | %.0f | %.1f |\n",
			st.viewers, st.viewers-from, ms(50), ms(99), ms(100), st.timeouts, st.failed,
			float64(int64(st.mem.HeapInuse+st.mem.StackInuse)-int64(prev.HeapInuse+prev.StackInuse))/1024/added,
			float64(st.mem.RSSBytes-prev.RSSBytes)/1024/added,
			float64(st.mem.Goroutines-prev.Goroutines)/added)
		prev, from = st.mem, st.viewers
	}
}

// joinViewers connects viewers from..to-1, par at a time, and waits for
// each one's first frame (or firstFrameTimeout).
func (d *driver) joinViewers(from, to, par int) eventStep {
	st := eventStep{viewers: to}
	var mu sync.Mutex
	next := from
	var wg sync.WaitGroup
	for w := 0; w < max(par, 1); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= to {
					return
				}
				dt, err := d.joinViewer(i)
				mu.Lock()
				switch {
				case err != nil:
					st.failed++
				case dt < 0:
					st.timeouts++
				default:
					st.firsts = append(st.firsts, dt)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	sort.Slice(st.firsts, func(i, j int) bool { return st.firsts[i] < st.firsts[j] })
	return st
}

// joinViewer connects one receive-only viewer and returns the time from
// opening its signalling connection to its first complete video frame,
// or -1 if none came within firstFrameTimeout.
func (d *driver) joinViewer(i int) (time.Duration, error) {
	who := fmt.Sprintf("viewer%d", i)
	ws := "ws" + strings.TrimPrefix(d.base, "http") + "/ws?access_token=event/" + who + "/viewer"
	first := make(chan time.Duration, 1)
	var once sync.Once
	t0 := time.Now()
	c, err := dial(d.api, ws, func(t *webrtc.TrackRemote) {
		d.readFirst(t, func() { once.Do(func() { first <- time.Since(t0) }) })
	})
	if err != nil {
		fmt.Printf("  dial %s: %v\n", who, err)
		return 0, err
	}
	if err := c.Join("event", who); err != nil {
		fmt.Printf("  join %s: %v\n", who, err)
		c.Close()
		return 0, err
	}
	d.cmu.Lock()
	d.clients = append(d.clients, c)
	d.cmu.Unlock()
	select {
	case dt := <-first:
		return dt, nil
	case <-time.After(firstFrameTimeout):
		return -1, nil
	}
}

// trackCount is what one received track got in the current window.
type trackCount struct {
	video bool
	n     atomic.Int64
}

func (d *driver) resetTracks() {
	d.cmu.Lock()
	defer d.cmu.Unlock()
	for _, t := range d.tracks {
		t.n.Store(0)
	}
}

// trackSpread prints how evenly the received tracks were served in the
// window: per kind, the fewest, median and most packets per track.
func (d *driver) trackSpread() {
	d.cmu.Lock()
	defer d.cmu.Unlock()
	for _, video := range []bool{true, false} {
		var ns []int64
		for _, t := range d.tracks {
			if t.video == video {
				ns = append(ns, t.n.Load())
			}
		}
		if len(ns) == 0 {
			continue
		}
		sort.Slice(ns, func(i, j int) bool { return ns[i] < ns[j] })
		fmt.Printf("  %s tracks %d: packets per track min %d, median %d, max %d\n",
			map[bool]string{true: "video", false: "audio"}[video], len(ns), ns[0], ns[len(ns)/2], ns[len(ns)-1])
	}
}
