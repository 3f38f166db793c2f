package e2e

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
	"github.com/buergerbuero/buergerbuero/appliance/placement"
	"github.com/buergerbuero/buergerbuero/appliance/store/pgtest"
)

// mediaGrant is the media admission the room page asks for.
type mediaGrant struct {
	SignalURL string `json:"signal_url"`
	Token     string `json:"token"`
}

// TestMediaPlacementTwoNodes: two `serve` processes on one PostgreSQL. A
// consultation is placed on the less loaded node (the other carries a
// participant already) and its admission's signalling URL points there,
// whichever node is asked; the key admits on that node's SFU, and every
// node's pages may connect to the other's signalling origin. After that
// node is killed with SIGKILL, the next admission (what the room page's
// retry asks for) places the room on the survivor, within the documented
// heartbeat expiry.
func TestMediaPlacementTwoNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("two processes and a PostgreSQL")
	}
	nodes := startCluster(t, pgtest.DSN(t), 2)
	byHost := map[string]*apptest.Process{}
	for _, n := range nodes {
		byHost[strings.TrimPrefix(n.URL, "https://")] = n
	}
	// anna works on node A, ben on node B (a clerk has one consultation
	// at a time)
	clerks := []*apiClient{nodeClient(t, nodes[0]), nodeClient(t, nodes[1])}
	clerks[0].login("anna", "anna-passwort-123")
	clerks[1].login("ben", "ben-passwort-1234")
	citizen := nodeClient(t, nodes[0])
	admit := func(clerk *apiClient) (string, knockResult) {
		k := citizen.knock("buergerbuero", "Anliegen")
		var res struct {
			RoomID string `json:"room_id"`
		}
		if st := clerk.do("POST", "/api/v1/staff/tickets/"+k.ID+"/admit", map[string]string{}, &res); st != 200 || res.RoomID == "" {
			t.Fatalf("admit: %d %+v", st, res)
		}
		return res.RoomID, k
	}
	// citizenOn is the citizen of a ticket asking node p, as its room page
	// does through the load balancer
	citizenOn := func(p *apptest.Process, k knockResult) *apiClient {
		cl := nodeClient(t, p)
		cl.token = k.Token
		cl.http.Transport = ticketHeader{cl.http.Transport, k.ID}
		return cl
	}
	grantOn := func(cl *apiClient, room string) (mediaGrant, *apptest.Process) {
		t.Helper()
		var g mediaGrant
		if st := cl.do("GET", "/api/v1/rooms/"+room+"/media", nil, &g); st != 200 || g.Token == "" {
			t.Fatalf("media grant for %s: %d %+v", room, st, g)
		}
		u, err := url.Parse(g.SignalURL)
		if err != nil || byHost[u.Host] == nil {
			t.Fatalf("signal URL %q names no node", g.SignalURL)
		}
		return g, byHost[u.Host]
	}

	// a first consultation, with its clerk connected to its node's SFU
	first, _ := admit(clerks[0])
	g, busy := grantOn(clerks[0], first)
	d := websocket.Dialer{TLSClientConfig: busy.TLSConfig(), HandshakeTimeout: 5 * time.Second}
	ws, _, err := d.Dial(g.SignalURL, nil)
	if err != nil {
		t.Fatalf("join the first room on %s: %v", busy.URL, err)
	}
	defer ws.Close()

	// the second goes to the other node, whichever node is asked
	second, ticket := admit(clerks[1])
	g2, placed := grantOn(clerks[1], second)
	if placed == busy {
		t.Fatalf("the second consultation was placed on the busy node %s", busy.URL)
	}
	// the citizen's admission on node A names the same node
	if _, again := grantOn(citizenOn(nodes[0], ticket), second); again != placed {
		t.Fatalf("node A places the room on %s, node B on %s", again.URL, placed.URL)
	}
	if code := dialMedia(t, placed, g2.Token); code != http.StatusSwitchingProtocols {
		t.Fatalf("the admission on its node's SFU: %d", code)
	}

	// a page of either node may open the other node's signalling socket
	for i, n := range nodes {
		other := strings.Replace(nodes[1-i].URL, "https://", "wss://", 1)
		hc := n.Client()
		waitFor(t, placement.Expiry+pageWait, "node "+itoa(i)+"'s pages allowing "+other, func() bool {
			res, err := hc.Get(n.URL + "/")
			if err != nil {
				return false
			}
			res.Body.Close()
			return strings.Contains(res.Header.Get("Content-Security-Policy"), "connect-src 'self' ") &&
				strings.Contains(res.Header.Get("Content-Security-Policy"), other)
		})
	}

	// the room's node dies; asked again, the survivor carries the room
	placed.Kill()
	survivor := citizenOn(busy, ticket)
	killed := time.Now()
	var moved *apptest.Process
	var g3 mediaGrant
	waitFor(t, placement.Expiry+pageWait, "the room re-placed on the survivor", func() bool {
		g3, moved = grantOn(survivor, second)
		return moved == busy
	})
	t.Logf("room re-placed %v after SIGKILL (heartbeat expiry %v)", time.Since(killed).Round(100*time.Millisecond), placement.Expiry)
	if code := dialMedia(t, busy, g3.Token); code != http.StatusSwitchingProtocols {
		t.Fatalf("the new admission on the survivor's SFU: %d", code)
	}
}

// ticketHeader names the citizen's ticket on every request, as the room
// page does.
type ticketHeader struct {
	base   http.RoundTripper
	ticket string
}

func (h ticketHeader) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Ticket", h.ticket)
	return h.base.RoundTrip(r)
}
