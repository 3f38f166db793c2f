package bench

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
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
// new place. Reported: p50/p99/max latency until each client has its
// update, and the server's resident memory per connection.
//
//	go test -run xxx -bench Fanout10k -benchtime 5x ./bench/
func BenchmarkFanout10k(b *testing.B) {
	n := 10000
	if v := os.Getenv("BB_FANOUT_CLIENTS"); v != "" {
		fmt.Sscan(v, &n)
	}
	cfg := apptest.ServeConfig(b, config.Office{ID: "buergerbuero", Name: "Bürgerbüro", Prefix: "B", Chairs: 5, Languages: []string{"de"}, Hours: apptest.AllDay(), IgnoreHolidays: true, KnocksWithoutClerk: true})
	addr := strings.TrimPrefix(cfg.Site.PublicURL, "https://")
	cfg.Reception.KnockBurst, cfg.Reception.MaxQueue = 1<<30, n+b.N+10
	cfg.Reception.GracePeriod = config.Duration{Duration: time.Hour}
	p := apptest.StartProcess(b, cfg)
	hc := p.Client()
	hc.Transport.(*http.Transport).MaxIdleConnsPerHost = 16

	// knock n times, 16 in parallel
	type tk struct{ id, token string }
	tickets := make([]tk, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				res, err := hc.Post(p.URL+"/api/v1/offices/buergerbuero/knocks", "application/json", strings.NewReader(`{"concern":"Messung der Verteilung","language":"de"}`))
				if err != nil {
					b.Error(err)
					return
				}
				var k struct{ ID, Token string }
				json.NewDecoder(res.Body).Decode(&k)
				res.Body.Close()
				tickets[i] = tk{k.ID, k.Token}
			}
		}()
	}
	wg.Wait()
	// order tickets by place: knock order is not strictly the loop order
	places := make(map[string]int, n)
	var rssHalf int64

	// connect every citizen
	type update struct {
		at    time.Time
		place int
	}
	updates := make(chan update, n)
	var gen atomic.Int64
	conns := make([]*websocket.Conn, n)
	d := websocket.Dialer{TLSClientConfig: p.TLSConfig(), HandshakeTimeout: 30 * time.Second, ReadBufferSize: 512, WriteBufferSize: 256}
	ready := make(chan string, n)
	for i, t := range tickets {
		if i == n/2 {
			// marginal memory: measured between half and all connections,
			// so the knock phase's garbage does not distort it
			for range n / 2 {
				var id string
				var pl int
				fmt.Sscan(<-ready, &id, &pl)
				places[id] = pl
			}
			rssHalf = rss(b, p.PID())
		}
		u := "wss://" + addr + "/api/v1/tickets/" + t.id + "/events?access_token=" + url.QueryEscape(t.token)
		ws, _, err := d.Dial(u, nil)
		if err != nil {
			b.Fatalf("client %d: %v", i, err)
		}
		conns[i] = ws
		go func(ws *websocket.Conn) {
			first := true
			for {
				_, msg, err := ws.ReadMessage()
				if err != nil {
					return
				}
				var m struct {
					Ticket struct {
						ID    string `json:"id"`
						Place int    `json:"place"`
					} `json:"ticket"`
				}
				json.Unmarshal(msg, &m)
				if first {
					first = false
					ready <- fmt.Sprintf("%s %d", m.Ticket.ID, m.Ticket.Place)
					continue
				}
				if gen.Load() > 0 {
					updates <- update{time.Now(), m.Ticket.Place}
				}
			}
		}(ws)
	}
	for range n - n/2 {
		var id string
		var pl int
		fmt.Sscan(<-ready, &id, &pl)
		places[id] = pl
	}
	rssAfter := rss(b, p.PID())

	perConn := float64(rssAfter-rssHalf) / float64(n-n/2)
	sort.Slice(tickets, func(i, j int) bool { return places[tickets[i].id] < places[tickets[j].id] })

	var all []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		first := tickets[i]
		remaining := n - i - 1
		gen.Add(1)
		start := time.Now()
		req, _ := http.NewRequest("DELETE", p.URL+"/api/v1/tickets/"+first.id, nil)
		req.Header.Set("Authorization", "Bearer "+first.token)
		res, err := hc.Do(req)
		if err != nil || res.StatusCode != 204 {
			b.Fatalf("leave: %v %v", err, res)
		}
		res.Body.Close()
		lat := make([]time.Duration, 0, remaining)
		for len(lat) < remaining {
			u := <-updates
			lat = append(lat, u.at.Sub(start))
		}
		all = append(all, lat...)
	}
	b.StopTimer()
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	if len(all) > 0 {
		b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
		b.ReportMetric(float64(all[len(all)-1].Microseconds())/1000, "max-ms")
	}
	b.ReportMetric(perConn/1024, "KiB/conn")
	for _, c := range conns {
		c.Close()
	}
}

// rss returns a process's resident set size in bytes.
func rss(b *testing.B, pid int) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			var kb int64
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), &kb)
			return kb * 1024
		}
	}
	b.Fatal("no VmRSS")
	return 0
}
