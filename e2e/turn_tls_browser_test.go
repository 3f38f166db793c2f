package e2e

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
	"github.com/buergerbuero/buergerbuero/internal/freeport"
	"github.com/buergerbuero/buergerbuero/sfu"
)

// candidate is one side of a selected ICE candidate pair, from getStats.
type candidate struct {
	Type          string `json:"candidateType"`
	Protocol      string `json:"protocol"`
	RelayProtocol string `json:"relayProtocol"`
	Address       string `json:"address"`
	Port          int    `json:"port"`
}

// selectedPair is a transport's selected candidate pair.
type selectedPair struct {
	PC     string    `json:"pc"`
	State  string    `json:"state"`
	Local  candidate `json:"local"`
	Remote candidate `json:"remote"`
}

func (p selectedPair) String() string {
	return fmt.Sprintf("%s: %s local %s/%s relay=%q %s:%d → remote %s/%s %s:%d", p.PC, p.State,
		p.Local.Type, p.Local.Protocol, p.Local.RelayProtocol, p.Local.Address, p.Local.Port,
		p.Remote.Type, p.Remote.Protocol, p.Remote.Address, p.Remote.Port)
}

// selectedPairsJS reports the selected candidate pair of the page's
// publisher and subscriber connections.
const selectedPairsJS = `(async () => {
  const out = [];
  if (!window.bbMedia) return out;
  for (const [name, pc] of [['publisher', bbMedia.publisher], ['subscriber', bbMedia.subscriber]]) {
    const s = await pc.getStats();
    let id = '';
    s.forEach((r) => { if (r.type === 'transport' && r.selectedCandidatePairId) id = r.selectedCandidatePairId; });
    const pair = id && s.get(id);
    if (!pair) { out.push({pc: name, state: 'none', local: {}, remote: {}}); continue; }
    const c = (x) => x ? {candidateType: x.candidateType, protocol: x.protocol, relayProtocol: x.relayProtocol || '', address: x.address || '', port: x.port || 0} : {};
    out.push({pc: name, state: pair.state, local: c(s.get(pair.localCandidateId)), remote: c(s.get(pair.remoteCandidateId))});
  }
  return out;
})()`

func selectedPairs(t *testing.T, ctx context.Context) []selectedPair {
	t.Helper()
	var pairs []selectedPair
	step(t, ctx, "selected candidate pairs", chromedp.Evaluate(selectedPairsJS, &pairs, func(p *runtimeEvaluate) *runtimeEvaluate { return p.WithAwaitPromise(true) }))
	return pairs
}

// TestTURNOverTLSFromBrowser: a citizen whose network lets nothing out but
// TCP to the appliance's web port and to its TURN-over-TLS port (no UDP at
// all, no ICE-TCP, no plain TURN over TCP) still sees the clerk and is
// seen, and both of the citizen's connections run over a TURN relay
// reached by TLS. The SFU offers every transport, as in production, so the
// test cannot pass by another path.
//
// The TURN server presents the appliance's own certificate, as in
// production, and the browser trusts it the way it trusts the page: by
// the key (--ignore-certificate-errors-spki-list). Chromium does check
// TURN/TLS certificates: with a certificate of another key the handshake
// fails ("tls: unknown certificate") and no video arrives, so this test
// also shows that the pin covers TURN and no product code is weakened.
func TestTURNOverTLSFromBrowser(t *testing.T) {
	ns := newNetns(t)
	iceTCP, turnUDP, turnTCP, turnTLS := freeport.TCP(t, ns.hostIP), freeport.UDP(t, ns.hostIP), freeport.TCP(t, ns.hostIP), freeport.TCP(t, ns.hostIP)
	srv := apptest.Start(t, apptest.Options{Quiet: true, ListenIP: ns.hostIP, SFU: func(c *sfu.Config) {
		c.TCPPort = iceTCP
		c.TURN = sfu.TURNConfig{Enabled: true, UDPPort: turnUDP, TCPPort: turnTCP, TLSPort: turnTLS, Host: ns.hostIP}
	}})
	ns.reach(t, srv)
	// the citizen's firewall: out only to the web port and TURN over TLS
	ns.nft(t, fmt.Sprintf(`table inet bb_turntls {
  chain out {
    type filter hook output priority 0; policy drop;
    oif "lo" accept
    ip daddr %s tcp dport { %s, %d } accept
  }
}`, ns.hostIP, httpsPort(t, srv), turnTLS))
	citizen := ns.browser(t, srv.CertPEM)
	clerk := newBrowser(t, srv.CertPEM)()
	consult(t, srv, citizen, clerk)
	decoded(t, citizen, "citizen behind the firewall sees the clerk", 1)
	decoded(t, clerk, "clerk sees the citizen behind the firewall", 1)
	pairs := selectedPairs(t, citizen)
	if len(pairs) != 2 {
		t.Fatalf("citizen's connections: %v", pairs)
	}
	for _, p := range pairs {
		t.Logf("citizen %s", p)
		if p.Local.Type != "relay" || p.Local.RelayProtocol != "tls" {
			t.Errorf("citizen's %s connection does not run over TURN/TLS: %s", p.PC, p)
		}
	}
}
