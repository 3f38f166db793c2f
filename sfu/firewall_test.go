package sfu

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/buergerbuero/buergerbuero/internal/freeport"
)

// waitFirewallClient bounds the client process in the namespace.
const waitFirewallClient = 60 * time.Second

// Environment of the client process started inside the namespace.
const (
	envFirewallURL = "BB_FIREWALL_SIGNAL_URL"
	envFirewallICE = "BB_FIREWALL_ICE_SERVERS"
	firewallOK     = "FIREWALL-CLIENT-OK"
)

// udpBlockedNamespace creates a network namespace joined to the host by a
// veth pair, in which every outbound UDP packet is refused by a policy
// routing rule ("ipproto udp prohibit"; needs no nftables). It returns the
// namespace name and the host-side address.
func udpBlockedNamespace(t *testing.T) (ns, hostIP string) {
	t.Helper()
	id := os.Getpid() % 100000
	ns = fmt.Sprintf("bbfw%d", id)
	host, peer := fmt.Sprintf("bbfh%d", id), fmt.Sprintf("bbfn%d", id)
	sub := 100 + id%100
	hostIP = fmt.Sprintf("10.231.%d.1", sub)
	run := func(args ...string) {
		t.Helper()
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	run("netns", "add", ns)
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", ns).Run() })
	run("link", "add", host, "type", "veth", "peer", "name", peer)
	t.Cleanup(func() { _ = exec.Command("ip", "link", "del", host).Run() })
	run("link", "set", peer, "netns", ns)
	run("addr", "add", hostIP+"/24", "dev", host)
	run("link", "set", host, "up")
	run("-n", ns, "addr", "add", fmt.Sprintf("10.231.%d.2/24", sub), "dev", peer)
	run("-n", ns, "link", "set", peer, "up")
	run("-n", ns, "link", "set", "lo", "up")
	run("-n", ns, "rule", "add", "ipproto", "udp", "prohibit", "priority", "100")
	return ns, hostIP
}

func TestFirewalledClientGetsMedia(t *testing.T) {
	if testing.Short() {
		t.Skip("network-namespace test; skipped under -short")
	}
	if runtime.GOOS != "linux" || os.Geteuid() != 0 {
		t.Fatalf("the firewall test needs Linux and root (network namespaces); run it as root or with -short")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Fatalf("the firewall test needs iproute2's ip: %v", err)
	}
	ns, hostIP := udpBlockedNamespace(t)
	tests := []struct {
		name string
		cfg  Config
		want string // in the client's report of the selected pair
	}{
		{"TURN over TCP", Config{BindIP: hostIP, TURN: TURNConfig{Enabled: true, TCPPort: freeport.TCP(t, hostIP), Host: hostIP}}, "local=relay"},
		{"ICE-TCP", Config{BindIP: hostIP, TCPPort: freeport.TCP(t, hostIP)}, "remote=host/tcp"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := runFirewalledClient(t, ns, hostIP, tc.cfg)
			if !strings.Contains(out, tc.want) {
				t.Fatalf("selected pair %q, want %q", out, tc.want)
			}
			t.Logf("client: %s", out)
		})
	}
}

// runFirewalledClient starts an SFU with cfg and a publisher, runs the
// client process in ns and returns its report line.
func runFirewalledClient(t *testing.T, ns, hostIP string, cfg Config) string {
	env := newTestEnv(t, cfg)
	ln, err := net.Listen("tcp", hostIP+":0")
	if err != nil {
		t.Fatal(err)
	}
	sig := httptest.NewUnstartedServer(env.sfu.Handler())
	sig.Listener = ln
	sig.Start()
	t.Cleanup(sig.Close)

	publisher(t, env, "fw", "clerk")
	token := env.auth.issue("fw", "citizen", RoleCitizen)
	g, _ := env.auth.Authorize(context.Background(), token)
	ice, _ := json.Marshal(env.sfu.ICEServers(g))

	ctx, cancel := context.WithTimeout(context.Background(), waitFirewallClient)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ip", "netns", "exec", ns, os.Args[0], "-test.run=^TestFirewallClientProcess$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(),
		envFirewallURL+"=ws://"+ln.Addr().String()+"/?access_token="+token,
		envFirewallICE+"="+string(ice))
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), firewallOK) {
		t.Fatalf("client behind the UDP-blocking firewall got no media: %v\n%s", err, out)
	}
	return lineWith(string(out), firewallOK)
}

func lineWith(s, sub string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			return l
		}
	}
	return ""
}

// TestFirewallClientProcess is the client half of the firewall test; it
// runs only inside the namespace, started by the test above.
func TestFirewallClientProcess(t *testing.T) {
	url := os.Getenv(envFirewallURL)
	if url == "" {
		t.Skip("client process of TestFirewalledClientGetsMedia; runs only when started by it")
	}
	var servers []ICEServer
	if err := json.Unmarshal([]byte(os.Getenv(envFirewallICE)), &servers); err != nil {
		t.Fatal(err)
	}
	var ice []webrtc.ICEServer
	for _, s := range servers {
		ice = append(ice, webrtc.ICEServer{URLs: s.URLs, Username: s.Username, Credential: s.Credential})
	}
	o := clientOptions{iceServers: ice, settings: func(se *webrtc.SettingEngine) {
		se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeTCP4})
	}}
	c, err := dial(t, url, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.join("fw", "citizen"); err != nil {
		t.Fatal(err)
	}
	tr := nextTrack(t, c, webrtc.RTPCodecTypeVideo)
	_ = tr.SetReadDeadline(time.Now().Add(waitMedia))
	for i := 0; i < 50; i++ {
		if _, _, err := tr.ReadRTP(); err != nil {
			t.Fatalf("read: %v", err)
		}
	}
	pair, err := c.Sub.SCTP().Transport().ICETransport().GetSelectedCandidatePair()
	if err != nil || pair == nil {
		t.Fatalf("no selected candidate pair: %v", err)
	}
	fmt.Printf("%s local=%s/%s remote=%s/%s\n", firewallOK, pair.Local.Typ, pair.Local.Protocol, pair.Remote.Typ, pair.Remote.Protocol)
}
