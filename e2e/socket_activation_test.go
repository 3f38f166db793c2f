package e2e

import (
	"encoding/json"
	"net"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pion/webrtc/v4"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
	"github.com/buergerbuero/buergerbuero/appliance/config"
)

// TestSocketActivatedServe runs `buergerbuero serve` the way systemd does
// with buergerbuero.socket: the HTTPS listener and the media UDP socket are
// handed over as file descriptors 3 and 4 (LISTEN_FDS, LISTEN_FDNAMES,
// LISTEN_PID), and readiness is reported on NOTIFY_SOCKET. The test gets
// READY=1, an office list over HTTPS on the inherited listener, and a
// WebRTC connection whose media path is the inherited UDP socket; SIGTERM
// then yields STOPPING=1 and a clean exit.
func TestSocketActivatedServe(t *testing.T) {
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	udp, err := net.ListenPacket("udp4", "0.0.0.0:0") // like ListenDatagram=3478: all addresses
	if err != nil {
		t.Fatal(err)
	}
	tcpFile, _ := tcp.(*net.TCPListener).File()
	udpFile, _ := udp.(*net.UDPConn).File()
	tcp.Close()
	udp.Close()
	notifyPath := filepath.Join(t.TempDir(), "notify")
	notify, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: notifyPath, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer notify.Close()

	addr := tcp.Addr().String()
	cfg := apptest.ServeConfig(t, config.Office{ID: "buergerbuero", Name: "Bürgerbüro", Prefix: "B", Chairs: 2, Languages: []string{"de"}, Hours: apptest.AllDay(), IgnoreHolidays: true, KnocksWithoutClerk: true})
	cfg.Site.PublicURL = "https://" + addr
	// the configured addresses must not be used: the sockets come from "systemd"
	cfg.HTTP.Listen, cfg.Media.UDPPort = "127.0.0.1:1", 1
	apptest.AddClerk(t, cfg.Store.DataDir, "anna", "anna-passwort-123", "buergerbuero")
	b, _ := config.Marshal(cfg)
	cfgPath := filepath.Join(t.TempDir(), "config.yaml")
	os.WriteFile(cfgPath, b, 0o600)

	// LISTEN_PID must be the daemon's own pid: a shell sets it and execs
	cmd := exec.Command("sh", "-c", `LISTEN_PID=$$ exec "$0" serve --config "$1"`, apptest.Binary(t), cfgPath)
	cmd.ExtraFiles = []*os.File{tcpFile, udpFile}
	cmd.Env = append(os.Environ(), "LISTEN_FDS=2", "LISTEN_FDNAMES=https:media", "NOTIFY_SOCKET="+notifyPath)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}()
	waitNotify(t, notify, "READY=1")

	// HTTPS on the inherited listener, trusting the appliance's internal CA
	pemBytes, _ := os.ReadFile(filepath.Join(cfg.TLS.StorageDir, "ca", "root.pem"))
	srv := &apptest.Server{URL: "https://" + addr, CertPEM: pemBytes}
	hc := srv.Client()
	hc.Jar, _ = cookiejar.New(nil)
	c := &apiClient{t: t, base: srv.URL, http: hc}
	var offices struct{ Offices []struct{ ID string } }
	if st := c.do("GET", "/api/v1/offices", nil, &offices); st != 200 || len(offices.Offices) != 1 {
		t.Fatalf("office list over the activated listener: %d %+v", st, offices)
	}
	k := c.knock("buergerbuero", "Über systemd")
	c.login("anna", "anna-passwort-123")
	var adm struct {
		RoomID string `json:"room_id"`
	}
	c.do("POST", "/api/v1/staff/tickets/"+k.ID+"/admit", map[string]string{}, &adm)
	var grant struct {
		SignalURL string `json:"signal_url"`
	}
	if st := c.do("GET", "/api/v1/rooms/"+adm.RoomID+"/media", nil, &grant); st != 200 {
		t.Fatalf("media grant: %d", st)
	}
	connectMedia(t, grant.SignalURL, adm.RoomID, srv, udp.LocalAddr().(*net.UDPAddr).Port)

	cmd.Process.Signal(os.Interrupt)
	waitNotify(t, notify, "STOPPING=1")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v", err)
	}
}

// waitNotify reads sd_notify datagrams until one contains want.
func waitNotify(t *testing.T, conn *net.UnixConn, want string) {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(processWaitE2E))
	buf := make([]byte, 4096)
	for {
		n, err := conn.Read(buf)
		if err != nil {
			t.Fatalf("waiting for %s on NOTIFY_SOCKET: %v", want, err)
		}
		if strings.Contains(string(buf[:n]), want) {
			return
		}
	}
}

const processWaitE2E = 30 * time.Second

// connectMedia joins the room with a pion client and waits until ICE
// connects; the SFU's only host candidate must be the inherited UDP port.
func connectMedia(t *testing.T, signalURL, room string, srv *apptest.Server, port int) {
	t.Helper()
	ws, _, err := (&websocket.Dialer{TLSClientConfig: srv.TLSConfig()}).Dial(signalURL, nil)
	if err != nil {
		t.Fatalf("signalling: %v", err)
	}
	defer ws.Close()
	pc, err := webrtc.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	connected := make(chan struct{})
	pc.OnICEConnectionStateChange(func(s webrtc.ICEConnectionState) {
		if s == webrtc.ICEConnectionStateConnected {
			close(connected)
		}
	})
	pc.CreateDataChannel("probe", nil)
	offer, _ := pc.CreateOffer(nil)
	gathered := webrtc.GatheringCompletePromise(pc)
	pc.SetLocalDescription(offer)
	<-gathered
	ws.WriteJSON(map[string]any{"jsonrpc": "2.0", "id": 1, "method": "join",
		"params": map[string]any{"sid": room, "uid": "probe", "offer": pc.LocalDescription(), "config": map[string]bool{"NoSubscribe": true}}})
	type msg struct {
		ID     any             `json:"id"`
		Method string          `json:"method"`
		Result json.RawMessage `json:"result"`
		Params json.RawMessage `json:"params"`
		Error  any             `json:"error"`
	}
	msgs := make(chan msg, 16)
	go func() {
		defer close(msgs)
		for {
			var m msg
			if ws.ReadJSON(&m) != nil {
				return
			}
			msgs <- m
		}
	}()
	timeout := time.After(processWaitE2E)
	sawPort := false
	for {
		select {
		case <-connected:
			if !sawPort {
				t.Fatalf("connected, but no candidate on the activated UDP port %d", port)
			}
			return
		case <-timeout:
			t.Fatal("ICE did not connect through the activated UDP socket")
		case m, ok := <-msgs:
			if !ok {
				t.Fatal("signalling closed")
			}
			switch {
			case m.Error != nil:
				t.Fatalf("join refused: %v", m.Error)
			case m.ID != nil && len(m.Result) > 0:
				var ans webrtc.SessionDescription
				json.Unmarshal(m.Result, &ans)
				sawPort = sawPort || strings.Contains(ans.SDP, " "+itoa(port)+" typ host")
				if err := pc.SetRemoteDescription(ans); err != nil {
					t.Fatal(err)
				}
			case m.Method == "trickle":
				var p struct {
					Target    int                     `json:"target"`
					Candidate webrtc.ICECandidateInit `json:"candidate"`
				}
				if json.Unmarshal(m.Params, &p) == nil && p.Target == 0 {
					sawPort = sawPort || strings.Contains(p.Candidate.Candidate, " "+itoa(port)+" typ host")
					pc.AddICECandidate(p.Candidate)
				}
			}
		}
	}
}
