// Command ionsfu runs ion-sfu v1.11.0's JSON-RPC signalling server as the
// baseline for our SFU's benchmarks (bench/SFU.md). It is a separate Go
// module so that ion-sfu, pion/webrtc v3 and pion/dtls v2 (with known
// vulnerabilities) never enter the product's module graph. Configuration
// follows ion-sfu's own config.toml defaults.
package main

import (
	"flag"
	"log"
	"net/http"

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
	flag.Parse()

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
	conf.WebRTC.ICEPortRange = []uint16{5000, 5200}
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
	log.Printf("ion-sfu json-rpc listening on ws://%s/ws", *addr)
	log.Fatal(http.ListenAndServe(*addr, nil))
}
