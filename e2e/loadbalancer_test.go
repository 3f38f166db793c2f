package e2e

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

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
// the waiting page does, to the same ticket at the same place. Two
// clerks, through the same address, see them all and admit the first of
// each office; the others move up. Last the waiting page in Chromium:
// its node is killed too and the page is back at its place by itself.
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

	// the waiting page in Chromium, through the front: its node is
	// killed too, and the page is back at its place by itself
	browserWaitsThroughNodeLoss(t, base, cert, sock, nodes)
}

// browserWaitsThroughNodeLoss knocks in Chromium through HAProxy at base,
// kills the node that carries the waiting page's WebSocket and waits
// until the page, having shown that it reconnects, shows its number and
// place again.
func browserWaitsThroughNodeLoss(t *testing.T, base string, cert *lbCert, sock string, nodes []*lbNode) {
	t.Helper()
	page := newBrowser(t, cert.certPEM)()
	before := currentSessions(t, sock)
	var number, place string
	step(t, page, "knock in the browser through HAProxy", chromedp.Navigate(base+"/offices/buergerbuero"), chromedp.WaitVisible("#concern", chromedp.ByID),
		chromedp.SendKeys("#concern", "Bitte warten", chromedp.ByID), chromedp.Click("#knock button[type=submit]", chromedp.ByQuery),
		chromedp.WaitVisible("#number", chromedp.ByID), chromedp.Poll(`document.getElementById('number').textContent.startsWith('B-') && document.getElementById('place').textContent !== ''`, nil),
		chromedp.TextContent("#number", &number, chromedp.ByID), chromedp.TextContent("#place", &place, chromedp.ByID))
	carrier := ""
	waitFor(t, pageWait, "the page's WebSocket through HAProxy", func() bool {
		for s, n := range currentSessions(t, sock) {
			if n > before[s] {
				carrier = s
			}
		}
		return carrier != ""
	})
	step(t, page, "watch the connection note", chromedp.Evaluate(`(() => {
		const conn = document.getElementById('conn');
		window.lbLost = false;
		new MutationObserver(() => { if (conn.textContent !== '') window.lbLost = true; }).observe(conn, {childList: true, characterData: true, subtree: true});
	})()`, nil))
	start := time.Now()
	nodes[int(carrier[0]-'a')].kill()
	ctx, cancel := context.WithTimeout(page, 30*time.Second)
	defer cancel()
	back := `window.lbLost && document.getElementById('conn').textContent === '' && document.getElementById('number').textContent === ` + jsString(number) + ` && document.getElementById('place').textContent === ` + jsString(place)
	if err := chromedp.Run(ctx, chromedp.Poll(back, nil, chromedp.WithPollingInterval(20*time.Millisecond))); err != nil {
		t.Fatalf("the waiting page of %s is not back at place %s through HAProxy after its node %s was killed: %v", number, place, carrier, err)
	}
	t.Logf("the waiting page of %s (node %s) back at place %s through HAProxy %v after SIGKILL", number, carrier, place, time.Since(start).Round(10*time.Millisecond))
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
