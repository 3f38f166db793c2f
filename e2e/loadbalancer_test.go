package e2e

import (
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
	"github.com/buergerbuero/buergerbuero/appliance/store/pgtest"
)

// lbWaiting is how many citizens wait through the load balancer.
const lbWaiting = 6

// TestLoadBalancerHAProxy runs docs/operations.md's HAProxy example, as
// written, in front of three `serve` nodes on one PostgreSQL. Citizens
// knock and wait through it with their live WebSocket open, spread over
// the nodes by round robin; a citizen's next requests land on other
// nodes and work (no sticky sessions); one node is killed with SIGKILL,
// the health check (GET /readyz) takes it out, and every citizen whose
// connection broke reconnects through the load balancer's address, as
// the waiting page does, to the same ticket at the same place. The
// clerk, through the same address, sees them all and admits one; the
// others move up.
func TestLoadBalancerHAProxy(t *testing.T) {
	if testing.Short() {
		t.Skip("HAProxy, three processes and a PostgreSQL")
	}
	haproxy := lbBinary(t, "haproxy")
	dir := t.TempDir()
	front := apptest.FreePort(t)
	nodes := startLBNodes(t, pgtest.DSN(t), front, 3)
	cert := newLBCert(t, dir)
	sock := filepath.Join(dir, "haproxy.sock")
	conf := "global\n    stats socket " + sock + " mode 600 level admin\n\n" +
		rewrite(t, docBlock(t, "HAProxy:"), append([]string{"bind :443", "bind " + front, "/etc/haproxy/buergerbuero.pem", cert.bundle}, nodeRewrites(nodes)...)...)
	path := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(haproxy, "-c", "-f", path).CombinedOutput()
	if err != nil || strings.Contains(string(out), "[WARNING]") {
		t.Fatalf("haproxy -c on the documented configuration: %v\n%s", err, out)
	}
	runLB(t, haproxy, "-db", "-f", path)
	base := "https://" + front
	waitFor(t, pageWait, "HAProxy forwarding", func() bool { return getStatus(frontClient(t, base, cert).http, base+"/readyz") == 200 })

	// citizens knock and wait through the front; round robin spreads
	// their WebSockets over the nodes
	citizens, tickets := waitThrough(t, base, cert)
	var open map[string]int
	waitFor(t, pageWait, "HAProxy counting the open WebSockets", func() bool {
		open = currentSessions(t, sock)
		return sum(open) == lbWaiting
	})
	t.Logf("open WebSockets per node: %v", open)
	if len(open) < 2 {
		t.Errorf("all %d WebSockets on one node: %v", lbWaiting, open)
	}

	// no stickiness: a citizen's requests go to one node after the other
	// and each knows the ticket
	cl := frontClient(t, base, cert)
	cl.token = tickets[0].Token
	served := map[string]bool{}
	for range len(nodes) {
		before := requestsPerServer(t, sock)
		var v ticketView
		if st := cl.do("GET", "/api/v1/tickets/"+tickets[0].ID, nil, &v); st != 200 || v.Number != tickets[0].Number || v.Place != tickets[0].Place {
			t.Fatalf("the ticket through the front: %d %+v, want %s at place %d", st, v, tickets[0].Number, tickets[0].Place)
		}
		for s, n := range requestsPerServer(t, sock) {
			if n > before[s] {
				served[s] = true
			}
		}
	}
	if len(served) != len(nodes) {
		t.Errorf("%d requests of one citizen were served by %d nodes (%v), want one after the other", len(nodes), len(served), served)
	}

	// each node's media name reaches that node alone
	for _, name := range []string{"a", "b", "c"} {
		before := haproxyStats(t, sock, "media_"+name)[name]["stot"]
		req, _ := http.NewRequest("GET", base+"/readyz", nil)
		req.Host = "media-" + name + ".termine.kreis.de"
		res, err := cl.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if after := haproxyStats(t, sock, "media_"+name)[name]["stot"]; res.StatusCode != 200 || after == before {
			t.Errorf("%s through the front: status %d, media_%s's server %s served %s requests before, %s after", req.Host, res.StatusCode, name, name, before, after)
		}
	}

	// SIGKILL the node carrying the most WebSockets
	victim := ""
	for s, n := range open {
		if victim == "" || n > open[victim] {
			victim = s
		}
	}
	views := make([]int, len(citizens))
	for i, c := range citizens {
		views[i] = c.seen()
	}
	start := time.Now()
	nodes[int(victim[0]-'a')].kill()
	lost := func() (n int) {
		for _, c := range citizens {
			if c.lost() {
				n++
			}
		}
		return n
	}
	waitFor(t, pageWait, "the WebSockets of node "+victim+" breaking", func() bool { return lost() >= open[victim] })
	for i, c := range citizens {
		if c.lost() {
			c.waitBack(t, views[i], tickets[i], tickets[i].Place, 30*time.Second)
		}
	}
	t.Logf("%d of %d waiting citizens reconnected through HAProxy to their places %v after SIGKILL", lost(), len(citizens), time.Since(start).Round(10*time.Millisecond))
	if lost() != open[victim] {
		t.Errorf("%d citizens lost their WebSocket, node %s carried %d", lost(), victim, open[victim])
	}
	waitFor(t, 30*time.Second, "HAProxy's health check taking node "+victim+" out", func() bool {
		return strings.HasPrefix(haproxyStats(t, sock, "nodes")[victim]["status"], "DOWN")
	})
	t.Logf("HAProxy marked node %s down %v after SIGKILL", victim, time.Since(start).Round(10*time.Millisecond))

	// the clerks, through the front (on the survivors), see them all in
	// order and admit the first of each office; the others move up
	clerkSeesAndAdmits(t, base, cert, citizens, tickets)
}

// waitThrough knocks lbWaiting citizens in two offices through the front
// at base, then opens their waiting pages' live connections there (each
// a stream key, then the WebSocket: with the knocks before them they
// fall on different nodes under round robin, as many citizens' requests
// interleave).
func waitThrough(t *testing.T, base string, cert *lbCert) ([]*pageCitizen, []knockResult) {
	t.Helper()
	var tickets []knockResult
	queued := map[string]int{}
	for i := range lbWaiting {
		office := []string{"buergerbuero", "bauamt"}[i%2]
		k := frontClient(t, base, cert).knock(office, "Wartend "+itoa(i))
		queued[office]++
		if k.Place != queued[office] {
			// the node that took the knock had not yet heard of the
			// previous one, knocked on another node a moment before;
			// the live connection shows the place from the database
			t.Logf("%s knocked at place %d, its place is %d", k.Number, k.Place, queued[office])
			k.Place = queued[office]
		}
		tickets = append(tickets, k)
	}
	var citizens []*pageCitizen
	for _, k := range tickets {
		c := newPageCitizen(t, base, cert, k)
		if !c.waitFor(time.Now().Add(pageWait), func(v ticketView, _ int) bool { return v.Number == k.Number && v.Place == k.Place }) {
			t.Fatalf("the citizen of %s never saw place %d through the front: %+v", k.Number, k.Place, c.last)
		}
		citizens = append(citizens, c)
	}
	return citizens, tickets
}

// clerkSeesAndAdmits checks that a clerk sees every waiting citizen in
// knock order, that two clerks admit the first of each office (a clerk
// has one consultation at a time), and that the others see their place
// go down by one on their live connection; all through the front at base.
func clerkSeesAndAdmits(t *testing.T, base string, cert *lbCert, citizens []*pageCitizen, tickets []knockResult) {
	t.Helper()
	clerks := map[string]*apiClient{"buergerbuero": frontClient(t, base, cert), "bauamt": frontClient(t, base, cert)}
	clerks["buergerbuero"].login("anna", "anna-passwort-123")
	clerks["bauamt"].login("ben", "ben-passwort-1234")
	want := map[string][]string{}
	first := map[string]knockResult{}
	for _, k := range tickets {
		office := "bauamt"
		if strings.HasPrefix(k.Number, "B-") {
			office = "buergerbuero"
		}
		if len(want[office]) == 0 {
			first[office] = k
		}
		want[office] = append(want[office], k.Number)
	}
	for office, numbers := range want {
		clerk := clerks[office]
		if got := queueNumbers(t, clerk, office); !slices.Equal(got, numbers) {
			t.Errorf("the clerk sees %s's queue %v, want %v", office, got, numbers)
		}
		if st := clerk.do("POST", "/api/v1/staff/tickets/"+first[office].ID+"/admit", map[string]string{}, nil); st != 200 {
			t.Fatalf("admit %s through the front: %d", first[office].Number, st)
		}
	}
	for i, k := range tickets {
		if k.Place == 1 {
			continue
		}
		if !citizens[i].waitFor(time.Now().Add(pageWait), func(v ticketView, _ int) bool { return v.Place == k.Place-1 }) {
			t.Errorf("the citizen of %s did not move up to place %d: %+v", k.Number, k.Place-1, citizens[i].last)
		}
	}
}

// currentSessions is HAProxy's count of open sessions (here: WebSockets)
// per server of the backend nodes, servers with none left out.
func currentSessions(t *testing.T, sock string) map[string]int {
	out := map[string]int{}
	for s, row := range haproxyStats(t, sock, "nodes") {
		if n, _ := strconv.Atoi(row["scur"]); n > 0 {
			out[s] = n
		}
	}
	return out
}

// requestsPerServer is HAProxy's count of HTTP requests per server of the
// backend nodes.
func requestsPerServer(t *testing.T, sock string) map[string]int {
	out := map[string]int{}
	for s, row := range haproxyStats(t, sock, "nodes") {
		out[s], _ = strconv.Atoi(row["stot"])
	}
	return out
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// pageCitizen is a waiting page's live connection to the front's
// address: after a loss it reconnects there as common.js's live() does
// (after 0.5 s plus up to 0.3 s, doubling up to 10 s; reset once open).
type pageCitizen struct {
	*waitingCitizen
	broke int // connections lost
}

func newPageCitizen(t *testing.T, base string, cert *lbCert, k knockResult) *pageCitizen {
	c := &pageCitizen{waitingCitizen: &waitingCitizen{base: base, id: k.ID, token: k.Token, tls: cert.tls}}
	c.cond = sync.NewCond(&c.mu)
	go c.run()
	t.Cleanup(c.close)
	return c
}

func (c *pageCitizen) run() {
	delay := 500 * time.Millisecond
	for {
		c.mu.Lock()
		if c.stop {
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		ws, err := dialStream(c.base, c.tls, "/api/v1/tickets/"+c.id+"/events", "", c.token, "")
		if err == nil {
			delay = 500 * time.Millisecond
			c.mu.Lock()
			c.connects++
			c.ws = ws
			c.mu.Unlock()
			for {
				_, b, err := ws.ReadMessage()
				if err != nil {
					break
				}
				var m struct {
					Ticket ticketView `json:"ticket"`
				}
				if json.Unmarshal(b, &m) == nil && m.Ticket.ID != "" {
					c.mu.Lock()
					c.last, c.views = m.Ticket, c.views+1
					c.cond.Broadcast()
					c.mu.Unlock()
				}
			}
			ws.Close()
			c.mu.Lock()
			c.broke++
			c.cond.Broadcast()
			c.mu.Unlock()
		}
		time.Sleep(delay + rand.N(300*time.Millisecond)) // the page's retry pacing
		delay = min(delay*2, 10*time.Second)
	}
}

func (c *pageCitizen) lost() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.broke > 0
}

func (c *pageCitizen) seen() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.views
}

// waitBack waits until the citizen has a new connection showing ticket k
// at place (after it had seen views).
func (c *pageCitizen) waitBack(t *testing.T, views int, k knockResult, place int, within time.Duration) {
	t.Helper()
	if !c.waitFor(time.Now().Add(within), func(v ticketView, n int) bool {
		return n >= 2 && c.views > views && v.Number == k.Number && v.Place == place
	}) {
		t.Fatalf("the citizen of %s is not back at place %d within %v: %d connections, %+v", k.Number, place, within, c.connects, c.last)
	}
}

// TestLoadBalancerNginx runs docs/operations.md's nginx example, as
// written, in front of three `serve` nodes on one PostgreSQL: `nginx -t`
// accepts it, citizens knock and wait through it with their WebSocket
// open, and after SIGKILL of one node those whose connection broke are
// back at their places through nginx (which retries a refused connection
// on the next node), and the clerks see and admit them.
func TestLoadBalancerNginx(t *testing.T) {
	if testing.Short() {
		t.Skip("nginx, three processes and a PostgreSQL")
	}
	nginx := lbBinary(t, "nginx")
	dir := t.TempDir()
	front := apptest.FreePort(t)
	nodes := startLBNodes(t, pgtest.DSN(t), front, 3)
	cert := newLBCert(t, dir)
	path := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(path, []byte(nginxConf(t, dir, front, cert, nodes)), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"-p", dir, "-c", path, "-e", "stderr"}
	if out, err := exec.Command(nginx, append([]string{"-t"}, args...)...).CombinedOutput(); err != nil || strings.Contains(string(out), "[warn]") {
		t.Fatalf("nginx -t on the documented configuration: %v\n%s", err, out)
	}
	runLB(t, nginx, args...)
	base := "https://" + front
	waitFor(t, pageWait, "nginx forwarding", func() bool { return getStatus(frontClient(t, base, cert).http, base+"/readyz") == 200 })

	citizens, tickets := waitThrough(t, base, cert)
	views := make([]int, len(citizens))
	for i, c := range citizens {
		views[i] = c.seen()
	}
	start := time.Now()
	nodes[0].kill()
	lost := func() (n int) {
		for _, c := range citizens {
			if c.lost() {
				n++
			}
		}
		return n
	}
	waitFor(t, pageWait, "the WebSockets of the killed node breaking", func() bool { return lost() > 0 })
	for i, c := range citizens {
		if c.lost() {
			c.waitBack(t, views[i], tickets[i], tickets[i].Place, 30*time.Second)
		}
	}
	t.Logf("%d of %d waiting citizens reconnected through nginx to their places %v after SIGKILL", lost(), len(citizens), time.Since(start).Round(10*time.Millisecond))
	clerkSeesAndAdmits(t, base, cert, citizens, tickets)
}

// nginxConf is the documented nginx example inside the main context an
// operator's /etc/nginx/nginx.conf provides, every path in dir.
func nginxConf(t *testing.T, dir, front string, cert *lbCert, nodes []*lbNode) string {
	t.Helper()
	site := rewrite(t, docBlock(t, "nginx:"), append([]string{"listen 443 ssl", "listen " + front + " ssl",
		"/etc/nginx/buergerbuero.pem", cert.certFile, "/etc/nginx/buergerbuero.key", cert.keyFile}, nodeRewrites(nodes)...)...)
	user := ""
	if os.Getuid() == 0 {
		user = "user root;\n" // the workers read dir, which is root's alone
	}
	temp := ""
	for _, p := range []string{"client_body", "proxy", "fastcgi", "uwsgi", "scgi"} {
		temp += "    " + p + "_temp_path " + filepath.Join(dir, p) + ";\n"
	}
	return "daemon off;\npid " + filepath.Join(dir, "nginx.pid") + ";\n" + user + "events {}\n\nhttp {\n    access_log off;\n" + temp + "\n" + site + "}\n"
}
