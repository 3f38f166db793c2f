package bench

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// BenchmarkClusterFanout10k: 10,000 citizens wait in one office, each
// with a live WebSocket (TLS); on three nodes sharing one PostgreSQL
// (postgres-3nodes) they are spread evenly over the nodes, and so are
// their knocks, beside the default single node on SQLite (sqlite-1node)
// in the same run. One queue change (the first citizen leaves, asked of
// the nodes in turn) must reach every other citizen on every node with
// its new place. Reported: p50/p99/max latency from the leave request
// until each client has its new place (goal p99 ≤ 250 ms, issue 14).
// BB_FANOUT_CLIENTS scales the number of citizens.
//
//	go test -tags goolm -run '^$' -bench ClusterFanout10k -benchtime 5x ./bench/
func BenchmarkClusterFanout10k(b *testing.B) {
	n := 10000
	if v := os.Getenv("BB_FANOUT_CLIENTS"); v != "" {
		fmt.Sscan(v, &n)
	}
	for _, m := range clusterModes {
		// set up once per mode: a sub-benchmark's function runs more
		// than once (b.N 1, then the -benchtime count)
		c := startBenchCluster(b, m, 2*n+100)
		f := newFanout(b, c, n)
		b.Run(m.name, f.run)
		f.close()
		c.stop()
	}
}

// fanout is the waiting citizens and their connections.
type fanout struct {
	c       *benchCluster
	tickets []benchTicket // by place
	conns   []*websocket.Conn
	gen     atomic.Int64 // the number of citizens that have left
	updates chan time.Time
	left    int
}

func newFanout(b *testing.B, c *benchCluster, n int) *fanout {
	b.Helper()
	f := &fanout{c: c, updates: make(chan time.Time, n)}
	tickets := c.knock(b, n)
	places := make(map[string]int, n)
	ready := make(chan [2]string, n)
	for i, t := range tickets {
		node := c.nodes[i%len(c.nodes)]
		d := websocket.Dialer{TLSClientConfig: node.TLSConfig(), HandshakeTimeout: 30 * time.Second, ReadBufferSize: 512, WriteBufferSize: 256}
		// a programmatic client sends its token as a header (browsers use a stream key)
		ws, _, err := d.Dial("wss://"+strings.TrimPrefix(node.URL, "https://")+"/api/v1/tickets/"+t.ID+"/events", http.Header{"Authorization": {"Bearer " + t.Token}})
		if err != nil {
			b.Fatalf("client %d on node %d: %v", i, i%len(c.nodes), err)
		}
		f.conns = append(f.conns, ws)
		go f.follow(ws, ready)
	}
	for range n {
		r := <-ready
		var pl int
		fmt.Sscan(r[1], &pl)
		places[r[0]] = pl
	}
	sort.Slice(tickets, func(i, j int) bool { return places[tickets[i].ID] < places[tickets[j].ID] })
	f.tickets = tickets
	return f
}

// follow reads a citizen's stream: its first view gives its place; after
// k citizens ahead have left, the first view at place-k is its update.
func (f *fanout) follow(ws *websocket.Conn, ready chan<- [2]string) {
	place, seen := 0, int64(0)
	for {
		_, msg, err := ws.ReadMessage()
		if err != nil {
			return
		}
		now := time.Now()
		var m struct {
			Ticket struct {
				ID    string `json:"id"`
				Place int    `json:"place"`
			} `json:"ticket"`
		}
		if json.Unmarshal(msg, &m) != nil || m.Ticket.ID == "" {
			continue
		}
		if place == 0 {
			place = m.Ticket.Place
			ready <- [2]string{m.Ticket.ID, fmt.Sprint(place)}
			continue
		}
		if g := f.gen.Load(); g > seen && m.Ticket.Place > 0 && m.Ticket.Place == place-int(g) {
			seen = g
			f.updates <- now
		}
	}
}

// run lets b.N citizens leave, one after the other, and measures how
// long every remaining citizen takes to see its new place.
func (f *fanout) run(b *testing.B) {
	var all []time.Duration
	b.ResetTimer()
	for range b.N {
		if f.left >= len(f.tickets)-1 {
			b.Fatalf("only %d citizens: raise BB_FANOUT_CLIENTS or lower -benchtime", len(f.tickets))
		}
		first, node := f.tickets[f.left], f.left%len(f.c.nodes)
		f.left++
		remaining := len(f.tickets) - f.left
		f.gen.Store(int64(f.left))
		start := time.Now()
		req, _ := http.NewRequest("DELETE", f.c.nodes[node].URL+"/api/v1/tickets/"+first.ID, nil)
		req.Header.Set("Authorization", "Bearer "+first.Token)
		res, err := f.c.hc[node].Do(req)
		if err != nil || res.StatusCode != http.StatusNoContent {
			b.Fatalf("leave on node %d: %v %v", node, err, res)
		}
		res.Body.Close()
		timeout := time.After(time.Minute)
		for got := range remaining {
			select {
			case at := <-f.updates:
				all = append(all, at.Sub(start))
			case <-timeout:
				b.Fatalf("after %d left: %d of %d citizens saw their new place within a minute", f.left, got, remaining)
			}
		}
	}
	b.StopTimer()
	reportLatencies(b, all)
}

func (f *fanout) close() {
	for _, c := range f.conns {
		c.Close()
	}
}
