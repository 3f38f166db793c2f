package main

import (
	"context"
	"encoding/json"
	"log"
	"log/slog"
	"net/http"
	_ "net/http/pprof" // heap profiles of the SFU process: /debug/pprof/heap
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/buergerbuero/buergerbuero/bench/procstat"
	"github.com/buergerbuero/buergerbuero/sfu"
)

// anyAuth admits every token "room/identity/role".
type anyAuth struct{}

func (anyAuth) Authorize(_ context.Context, token string) (sfu.Grant, error) {
	parts := strings.SplitN(token, "/", 3)
	for len(parts) < 3 {
		parts = append(parts, "")
	}
	role := sfu.RoleCitizen
	if parts[2] == "viewer" {
		role = sfu.RoleViewer
	}
	return sfu.Grant{Room: parts[0], Identity: parts[1], DisplayName: parts[1], Role: role, Expires: time.Now().Add(24 * time.Hour)}, nil
}

// stats is what the server reports about its own process.
type stats struct {
	CPUNanos    int64   `json:"cpu_ns"`     // user + system, getrusage(RUSAGE_SELF)
	SysNanos    int64   `json:"cpu_sys_ns"` // the system part
	RSSBytes    int64   `json:"rss_bytes"`
	HeapInuse   uint64  `json:"heap_inuse_bytes"`
	StackInuse  uint64  `json:"stack_inuse_bytes"`
	Goroutines  int     `json:"goroutines"`
	PacketsIn   float64 `json:"packets_in"`
	PacketsOut  float64 `json:"packets_out"`
	PacketsLost float64 `json:"packets_lost"`
	Peers       float64 `json:"peers"`
	NackRetx    float64 `json:"nack_retransmits"`
	// UDPRcvbufErrors is the machine-wide UDP RcvbufErrors counter
	// (/proc/net/snmp): datagrams the kernel dropped because a socket's
	// receive buffer was full — shared with every other process on the box.
	UDPRcvbufErrors int64 `json:"udp_rcvbuf_errors"`
}

func gather(reg *prometheus.Registry, gc bool) stats {
	if gc {
		runtime.GC()
		runtime.GC()
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	s := stats{
		CPUNanos:   procstat.CPUNanos(),
		SysNanos:   procstat.SysNanos(),
		RSSBytes:   procstat.RSSBytes(),
		HeapInuse:  ms.HeapInuse,
		StackInuse: ms.StackInuse,
		Goroutines: runtime.NumGoroutine(),

		UDPRcvbufErrors: procstat.UDPRcvbufErrors(),
	}
	mfs, _ := reg.Gather()
	for _, mf := range mfs {
		var v float64
		for _, m := range mf.GetMetric() {
			if m.Counter != nil {
				v = m.Counter.GetValue()
			} else if m.Gauge != nil {
				v = m.Gauge.GetValue()
			}
		}
		switch mf.GetName() {
		case "buergerbuero_sfu_received_packets_total":
			s.PacketsIn = v
		case "buergerbuero_sfu_sent_packets_total":
			s.PacketsOut = v
		case "buergerbuero_sfu_received_packets_lost_total":
			s.PacketsLost = v
		case "buergerbuero_sfu_peers":
			s.Peers = v
		case "buergerbuero_sfu_nack_retransmits_total":
			s.NackRetx = v
		}
	}
	return s
}

// runServer hosts only the SFU (plus its signalling endpoint and /stats).
func runServer(addr string) {
	reg := prometheus.NewRegistry()
	s, err := sfu.New(sfu.Config{BindIP: "127.0.0.1"}, anyAuth{}, reg, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		log.Fatal(err)
	}
	mux := http.DefaultServeMux
	mux.Handle("/ws", s.Handler())
	mux.HandleFunc("/stats", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(gather(reg, r.URL.Query().Get("gc") != ""))
	})
	log.Printf("sfucap server on %s (GOMAXPROCS %d)", addr, runtime.GOMAXPROCS(0))
	log.Fatal(http.ListenAndServe(addr, mux))
}
