package e2e

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	goruntime "runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/sys/unix"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
)

// netns is a network namespace joined to the host by a veth pair: a
// browser started in it has its own network, which the test can cut or
// filter with nftables without touching the host's rules (all tests share
// the root namespace).
type netns struct {
	name   string
	hostIP string // the host's end of the veth pair; the appliance listens here
	nsIP   string
}

// nsCount numbers the namespaces of one test process.
var nsCount struct {
	sync.Mutex
	n int
}

// newNetns creates a namespace and deletes it when the test ends.
func newNetns(t *testing.T) *netns {
	t.Helper()
	if testing.Short() {
		t.Skip("network-namespace browser tests are skipped under -short")
	}
	if goruntime.GOOS != "linux" || os.Geteuid() != 0 {
		t.Fatal("this test needs Linux and root (network namespaces, nftables); run it as root (scripts/test) or with -short")
	}
	for _, tool := range []string{"ip", "nft"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("this test needs %s (scripts/test installs iproute2 and nftables): %v", tool, err)
		}
	}
	nsCount.Lock()
	nsCount.n++
	n := nsCount.n
	nsCount.Unlock()
	// names fit IFNAMSIZ and differ between test processes and tests; the
	// 10.232/16 addresses do not collide with sfu's firewall test (10.231)
	id := fmt.Sprintf("%dx%d", os.Getpid()%10000, n)
	sub := (os.Getpid()*7 + n) % 250
	ns := &netns{name: "bbe2e" + id, hostIP: fmt.Sprintf("10.232.%d.1", sub), nsIP: fmt.Sprintf("10.232.%d.2", sub)}
	host, peer := "bbeh"+id, "bben"+id
	run := func(args ...string) {
		t.Helper()
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	run("netns", "add", ns.name)
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", ns.name).Run() })
	run("link", "add", host, "type", "veth", "peer", "name", peer)
	t.Cleanup(func() { _ = exec.Command("ip", "link", "del", host).Run() })
	run("link", "set", peer, "netns", ns.name)
	run("addr", "add", ns.hostIP+"/24", "dev", host)
	run("link", "set", host, "up")
	run("-n", ns.name, "addr", "add", ns.nsIP+"/24", "dev", peer)
	run("-n", ns.name, "link", "set", peer, "up")
	run("-n", ns.name, "link", "set", "lo", "up")
	return ns
}

// nft loads an nftables ruleset into the namespace.
func (n *netns) nft(t *testing.T, ruleset string) {
	t.Helper()
	cmd := exec.Command("ip", "netns", "exec", n.name, "nft", "-f", "-")
	cmd.Stdin = strings.NewReader(ruleset)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("nft in %s: %v: %s\n%s", n.name, err, out, ruleset)
	}
}

// deleteTable removes an nftables table from the namespace.
func (n *netns) deleteTable(table string) error {
	if out, err := exec.Command("ip", "netns", "exec", n.name, "nft", "delete", "table", "inet", table).CombinedOutput(); err != nil {
		return fmt.Errorf("nft delete table %s in %s: %v: %s", table, n.name, err, out)
	}
	return nil
}

// devtoolsLine is what Chromium prints once its DevTools endpoint listens.
var devtoolsLine = regexp.MustCompile(`DevTools listening on (ws://[^\s]+)`)

// browser starts a headless Chromium inside the namespace (same switches
// as newBrowser) and returns its first tab. The DevTools endpoint listens
// on the namespace's loopback; a forwarder on the host's loopback reaches
// it, so the test drives the browser while the browser's own traffic
// leaves through the veth pair only.
func (n *netns) browser(t *testing.T, certPEM []byte) context.Context {
	t.Helper()
	args := []string{"netns", "exec", n.name, chromiumPath(t)}
	for _, f := range chromiumFlags(t, certPEM) {
		if f[1] == "" {
			args = append(args, "--"+f[0])
		} else {
			args = append(args, "--"+f[0]+"="+f[1])
		}
	}
	args = append(args, "--remote-debugging-port=0", "--user-data-dir="+t.TempDir(), "about:blank")
	cmd := exec.Command("ip", args...)
	// its own process group, so that the cleanup ends the browser's
	// helper processes with it
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start chromium in %s: %v", n.name, err)
	}
	exited := make(chan struct{})
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	})
	found := make(chan string, 1)
	var early strings.Builder // what Chromium said before it listened, for the failure message
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := devtoolsLine.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
				break
			}
			if early.Len() < 4096 {
				early.WriteString(sc.Text() + "\n")
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
		_ = cmd.Wait()
		close(exited)
	}()
	var wsURL string
	select {
	case wsURL = <-found:
	case <-exited:
		t.Fatalf("chromium in %s exited before listening:\n%s", n.name, early.String())
	case <-time.After(pageWait):
		t.Fatalf("chromium in %s did not open its DevTools endpoint within %v", n.name, pageWait)
	}
	// ws://127.0.0.1:PORT/devtools/browser/ID, in the namespace
	inner := strings.SplitN(strings.TrimPrefix(wsURL, "ws://"), "/", 2)
	fwd := n.forward(t, inner[0])
	alloc, cancelAlloc := chromedp.NewRemoteAllocator(context.Background(), "ws://"+fwd+"/"+inner[1], chromedp.NoModifyURL)
	return attach(t, alloc, cancelAlloc)
}

// forward listens on the host's loopback and connects every accepted
// connection to addr inside the namespace; it returns the host address.
func (n *netns) forward(t *testing.T, addr string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			d, err := dialInNetns(n.name, addr)
			if err != nil {
				c.Close()
				continue
			}
			mu.Lock()
			conns = append(conns, c, d)
			mu.Unlock()
			wg.Add(2)
			pipe := func(dst, src net.Conn) {
				defer wg.Done()
				_, _ = io.Copy(dst, src)
				dst.Close()
				src.Close()
			}
			go pipe(c, d)
			go pipe(d, c)
		}
	}()
	return ln.Addr().String()
}

// dialInNetns opens a TCP connection from inside the named namespace: the
// socket is created on an OS thread that has joined the namespace, and
// keeps belonging to it after the thread returns to the host's namespace.
func dialInNetns(name, addr string) (net.Conn, error) {
	type result struct {
		c   net.Conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		goruntime.LockOSThread()
		// a thread that cannot return to the host's namespace stays
		// locked, and Go ends it with this goroutine
		restored := false
		defer func() {
			if restored {
				goruntime.UnlockOSThread()
			}
		}()
		home, err := os.Open(fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid()))
		if err != nil {
			ch <- result{nil, err}
			return
		}
		defer home.Close()
		target, err := os.Open("/run/netns/" + name)
		if err != nil {
			ch <- result{nil, err}
			return
		}
		defer target.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			ch <- result{nil, fmt.Errorf("setns %s: %w", name, err)}
			return
		}
		c, err := net.DialTimeout("tcp", addr, pageWait)
		restored = unix.Setns(int(home.Fd()), unix.CLONE_NEWNET) == nil
		ch <- result{c, err}
	}()
	r := <-ch
	return r.c, r.err
}

// httpsPort is the appliance's HTTPS (and signalling) port.
func httpsPort(t *testing.T, srv *apptest.Server) string {
	t.Helper()
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Port()
}

// reach waits until the appliance's web port answers from inside the
// namespace, so that a browser started there does not race the veth
// link coming up.
func (n *netns) reach(t *testing.T, srv *apptest.Server) {
	t.Helper()
	addr := net.JoinHostPort(n.hostIP, httpsPort(t, srv))
	deadline := time.Now().Add(pageWait)
	for {
		c, err := dialInNetns(n.name, addr)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the appliance at %s is not reachable from namespace %s: %v", addr, n.name, err)
		}
		// the link is still coming up; there is no event to wait on
		time.Sleep(100 * time.Millisecond)
	}
}
