// Command ionsfu runs ion-sfu v1.11.0's JSON-RPC signalling server as the
// baseline for our SFU's benchmarks (bench/SFU.md). It is a separate Go
// module so that ion-sfu, pion/webrtc v3 and pion/dtls v2 (with known
// vulnerabilities) never enter the product's module graph. Configuration
// follows ion-sfu's own config.toml defaults.
package main

import (
	"encoding/json"
	"flag"
	"log"
	"net/http"
	_ "net/http/pprof" // /debug/pprof for heap and CPU profiles, as sfucap's server has
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"github.com/gorilla/websocket"
	"github.com/pion/ion-sfu/cmd/signal/json-rpc/server"
	ionlog "github.com/pion/ion-sfu/pkg/logger"
	"github.com/pion/ion-sfu/pkg/middlewares/datachannel"
	"github.com/pion/ion-sfu/pkg/sfu"
	"github.com/sourcegraph/jsonrpc2"
	websocketjsonrpc2 "github.com/sourcegraph/jsonrpc2/websocket"
)

func main() {
	addr := flag.String("a", "127.0.0.1:7000", "signalling listen address (WebSocket at /ws)")
	ports := flag.String("ports", "5000-5200", "ICE UDP port range LO-HI (config.toml's default; one port per PeerConnection, two per participant)")
	flag.Parse()
	lo, hi, ok := strings.Cut(*ports, "-")
	portLo, err1 := strconv.ParseUint(lo, 10, 16)
	portHi, err2 := strconv.ParseUint(hi, 10, 16)
	if !ok || err1 != nil || err2 != nil || portHi < portLo {
		log.Fatal("-ports wants LO-HI")
	}

	logger := ionlog.New()
	ionlog.SetGlobalOptions(ionlog.GlobalConfig{V: 0})
	sfu.Logger = logger

	var conf sfu.Config
	conf.Router.MaxBandwidth = 1500
	conf.Router.MaxPacketTrack = 500
	conf.Router.AudioLevelThreshold = 40
	conf.Router.AudioLevelInterval = 1000
	conf.Router.AudioLevelFilter = 20
	conf.Router.Simulcast.BestQualityFirst = true
	conf.WebRTC.ICEPortRange = []uint16{uint16(portLo), uint16(portHi)}
	conf.WebRTC.SDPSemantics = "unified-plan"
	conf.WebRTC.Timeouts.ICEDisconnectedTimeout = 5
	conf.WebRTC.Timeouts.ICEFailedTimeout = 25
	conf.WebRTC.Timeouts.ICEKeepaliveInterval = 2

	s := sfu.NewSFU(conf)
	dc := s.NewDatachannel(sfu.APIChannelLabel)
	dc.Use(datachannel.SubscriberAPI)

	upgrader := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	http.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
		c, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		p := server.NewJSONSignal(sfu.NewPeer(s), logger)
		defer p.Close()
		jc := jsonrpc2.NewConn(r.Context(), websocketjsonrpc2.NewObjectStream(c), p)
		<-jc.DisconnectNotify()
	})
	// /stats: the same process figures bench/sfucap reads from our SFU
	// (ion-sfu has no packet counters; sfucap then counts forwarded
	// packets at its receiving clients).
	http.HandleFunc("/stats", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("gc") != "" {
			runtime.GC()
			runtime.GC()
		}
		var ru syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]int64{
			"cpu_ns":            ru.Utime.Nano() + ru.Stime.Nano(),
			"cpu_sys_ns":        ru.Stime.Nano(),
			"rss_bytes":         procField("/proc/self/status", "VmRSS:", 1) << 10,
			"heap_inuse_bytes":  int64(ms.HeapInuse),
			"stack_inuse_bytes": int64(ms.StackInuse),
			"goroutines":        int64(runtime.NumGoroutine()),
			"udp_rcvbuf_errors": udpRcvbufErrors(),
		})
	})
	log.Printf("ion-sfu json-rpc listening on ws://%s/ws", *addr)
	log.Fatal(http.ListenAndServe(*addr, nil))
}

// The two readers below repeat bench/procstat on purpose: importing it
// would put this module's requirements into ion-sfu's module graph and
// upgrade the baseline's own dependencies (pion/interceptor, rtp, sctp …)
// under minimal version selection, so it would no longer be ion-sfu
// v1.11.0 as released.

// procField returns the field'th number after prefix in file.
func procField(file, prefix string, field int) int64 {
	b, _ := os.ReadFile(file)
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) > field && strings.HasPrefix(line, prefix) {
			v, _ := strconv.ParseInt(f[field], 10, 64)
			return v
		}
	}
	return 0
}

// udpRcvbufErrors is the machine-wide UDP RcvbufErrors counter.
func udpRcvbufErrors() int64 {
	b, _ := os.ReadFile("/proc/net/snmp")
	var names []string
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, "Udp: ") {
			continue
		}
		f := strings.Fields(line)[1:]
		if names == nil {
			names = f
			continue
		}
		for i, n := range names {
			if n == "RcvbufErrors" && i < len(f) {
				v, _ := strconv.ParseInt(f[i], 10, 64)
				return v
			}
		}
	}
	return 0
}
