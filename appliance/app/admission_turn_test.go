package app

import (
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/buergerbuero/buergerbuero/appliance/placement"
	"github.com/buergerbuero/buergerbuero/internal/freeport"
	"github.com/buergerbuero/buergerbuero/sfu"
)

// TestMediaAdmissionNamesTheRoomsTURNServer: on one node the admission's
// iceServers name the node's own TURN server; with the room placed on
// another node, they name that node's (the host of its media.node_url),
// which relays to its own SFU.
func TestMediaAdmissionNamesTheRoomsTURNServer(t *testing.T) {
	port := freeport.TCP(t, "127.0.0.1")
	m := NewMedia("https://termine.example")
	s, err := sfu.New(sfu.Config{BindIP: "127.0.0.1", TURN: sfu.TURNConfig{Enabled: true, TCPPort: port, Host: "termine.example"}},
		m, prometheus.NewRegistry(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	m.SFU = s
	turnURL := func() string {
		t.Helper()
		g, err := m.Grant("room-1", "citizen-7", "Bürgerin", "citizen")
		ice, _ := g.ICEServers.([]sfu.ICEServer)
		if err != nil || len(ice) != 1 || len(ice[0].URLs) != 1 {
			t.Fatalf("grant: %+v, %v", g, err)
		}
		return ice[0].URLs[0]
	}
	if got := turnURL(); !strings.HasPrefix(got, "turn:termine.example:") {
		t.Errorf("one node: TURN at %s, want its own", got)
	}
	m.Place(placement.Local{Node: placement.Node{ID: "b", URL: "https://media-b.example:8443/"}})
	if got := turnURL(); !strings.HasPrefix(got, "turn:media-b.example:") {
		t.Errorf("room on node B: TURN at %s, want node B's", got)
	}
}
