package bench

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
	"github.com/buergerbuero/buergerbuero/appliance/config"
	"github.com/buergerbuero/buergerbuero/appliance/store/pgtest"
)

// Set-up shared by the several-node benchmarks (BENCHMARKS.md, "Several
// nodes"): the appliance as `serve` processes, either the default single
// node on SQLite or three nodes on one PostgreSQL, so that each benchmark
// reports both side by side in one run.

// clusterMode is one side of a comparison.
type clusterMode struct {
	name   string // sub-benchmark name
	driver string // store.driver
	nodes  int
}

var clusterModes = []clusterMode{{"sqlite-1node", "sqlite", 1}, {"postgres-3nodes", "postgres", 3}}

// benchOfficeID is the one office of the several-node benchmarks.
const benchOfficeID = "buergerbuero"

// benchCluster is the running nodes and an HTTP client for each.
type benchCluster struct {
	nodes []*apptest.Process
	hc    []*http.Client
}

// startBenchCluster starts m's nodes (one office taking any number of
// knocks, a citizen keeping the place for an hour without a connection)
// with the given clerks (password benchPassword) created by the admin command.
func startBenchCluster(b *testing.B, m clusterMode, maxQueue int, clerks ...string) *benchCluster {
	b.Helper()
	var dsn string
	if m.driver == "postgres" {
		dsn = pgtest.DSN(b)
	}
	c := &benchCluster{}
	for i := range m.nodes {
		cfg := apptest.ServeConfig(b, config.Office{ID: benchOfficeID, Name: "Bürgerbüro", Prefix: "B", Chairs: 5, Languages: []string{"de"}, Hours: apptest.AllDay(), IgnoreHolidays: true, KnocksWithoutClerk: true})
		cfg.Reception.KnockBurst, cfg.Reception.MaxQueue = 1<<30, maxQueue
		cfg.Reception.GracePeriod = config.Duration{Duration: time.Hour}
		if dsn != "" {
			cfg.Store.Driver, cfg.Store.DSN = "postgres", dsn
		}
		if i == 0 {
			for _, login := range clerks {
				addBenchClerk(b, cfg, login)
			}
		}
		p := apptest.StartProcess(b, cfg)
		hc := p.Client()
		hc.Transport.(*http.Transport).MaxIdleConnsPerHost = 16
		c.nodes, c.hc = append(c.nodes, p), append(c.hc, hc)
	}
	return c
}

// stop kills the nodes, so the next mode has the machine to itself.
func (c *benchCluster) stop() {
	for _, p := range c.nodes {
		p.Kill()
	}
}

// addBenchClerk runs `buergerbuero admin --config … clerk add` against
// cfg's store, as an operator would.
func addBenchClerk(b *testing.B, cfg *config.Config, login string) {
	b.Helper()
	y, err := config.Marshal(cfg)
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "config.yaml")
	if err := os.WriteFile(path, y, 0o600); err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(apptest.Binary(b), "admin", "--config", path, "clerk", "add", "--login", login, "--name", login, "--offices", benchOfficeID)
	cmd.Stdin = strings.NewReader(benchPassword(login) + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("admin clerk add %s: %v: %s", login, err, out)
	}
}

func benchPassword(login string) string { return login + "-passwort-12345" }

// benchTicket is a knock's answer.
type benchTicket struct {
	ID     string `json:"id"`
	Number string `json:"number"`
	Token  string `json:"token"`
}

// knock knocks n times, 16 in parallel, spread over the nodes; the
// tickets are in no particular order.
func (c *benchCluster) knock(b *testing.B, n int) []benchTicket {
	b.Helper()
	tickets := make([]benchTicket, n)
	parallel(n, 16, func(i int) {
		k, err := c.knockOn(i % len(c.nodes))
		if err != nil {
			b.Error(err)
			return
		}
		tickets[i] = k
	})
	if b.Failed() {
		b.FailNow()
	}
	return tickets
}

func (c *benchCluster) knockOn(node int) (benchTicket, error) {
	var k benchTicket
	res, err := c.hc[node].Post(c.nodes[node].URL+"/api/v1/offices/"+benchOfficeID+"/knocks", "application/json", strings.NewReader(`{"concern":"Messung mehrerer Knoten","language":"de"}`))
	if err != nil {
		return k, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		return k, fmt.Errorf("knock on node %d: %d", node, res.StatusCode)
	}
	return k, json.NewDecoder(res.Body).Decode(&k)
}

// benchClerk is a clerk's session on one node.
type benchClerk struct {
	base string
	hc   *http.Client
	csrf string
}

func (c *benchCluster) login(b *testing.B, node int, login string) *benchClerk {
	b.Helper()
	hc := c.nodes[node].Client()
	hc.Jar, _ = cookiejar.New(nil)
	cl := &benchClerk{base: c.nodes[node].URL, hc: hc}
	var me struct {
		CSRF string `json:"csrf_token"`
	}
	if st, err := cl.do("POST", "/api/v1/staff/login", map[string]string{"login": login, "password": benchPassword(login)}, &me); err != nil || st != 200 {
		b.Fatalf("login %s on node %d: %d %v", login, node, st, err)
	}
	cl.csrf = me.CSRF
	return cl
}

func (cl *benchClerk) do(method, path string, body, out any) (int, error) {
	return apptest.CallJSON(cl.hc, cl.base, method, path, apptest.Caller{CSRF: cl.csrf}, body, out)
}

// reportLatencies reports p50, p99 and max of lat in milliseconds.
func reportLatencies(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
	b.ReportMetric(ms(lat[len(lat)*99/100]), "p99-ms")
	b.ReportMetric(ms(lat[len(lat)-1]), "max-ms")
}
