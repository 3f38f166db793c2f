package e2e

import (
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
	"github.com/buergerbuero/buergerbuero/appliance/config"
	"github.com/buergerbuero/buergerbuero/appliance/store/pgtest"
)

// clusterKnocks is how many knocks the cross-node latency is measured on.
const clusterKnocks = 200

// crossNodeGoal is the latency goal for a change made on one node to
// reach a clerk's event stream on another (issue 14: p99 ≤ 250 ms).
const crossNodeGoal = 250 * time.Millisecond

// TestThreeNodesOnePostgres: three `buergerbuero serve` processes on one
// PostgreSQL, without sticky sessions. A knock on node A reaches a clerk's
// event stream on node B within 250 ms (p99 of 200 knocks); two clerks on
// different nodes admit the same ticket at once and exactly one wins, 100
// rounds; a citizen waiting on node C sees the place change a clerk
// causes on node A; stream keys and media admission keys issued by one
// node admit on another, once; an office created in the web
// administration on A is offered by B and C; every acknowledged knock is
// in the queue of every node.
func TestThreeNodesOnePostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("three processes and a PostgreSQL")
	}
	nodes := startCluster(t, pgtest.DSN(t), 3)
	a, b, c := nodes[0], nodes[1], nodes[2]
	anna, ben := nodeClient(t, a), nodeClient(t, b)
	anna.login("anna", "anna-passwort-123")
	ben.login("ben", "ben-passwort-1234")

	// 1. knocks on A, seen by the clerk on B
	stream := openClerkStream(t, b, ben)
	citizenA := nodeClient(t, a)
	var lat []time.Duration
	var knocked []knockResult
	for i := range clusterKnocks {
		start := time.Now()
		k := citizenA.knock("buergerbuero", "Anliegen "+itoa(i))
		seen := stream.waitKnock(t, k.Number, start.Add(5*time.Second))
		lat = append(lat, seen.Sub(start))
		knocked = append(knocked, k)
	}
	slices.Sort(lat)
	p50, p99 := lat[len(lat)/2], lat[len(lat)*99/100-1]
	t.Logf("knock on node A → staff stream on node B: p50 %v, p99 %v, max %v over %d knocks", p50, p99, lat[len(lat)-1], len(lat))
	if p99 > crossNodeGoal {
		t.Errorf("cross-node p99 %v, goal %v", p99, crossNodeGoal)
	}

	// 3. a citizen waiting on C moves up when a clerk on A admits the first
	second := knocked[1]
	waiting := newWaitingCitizen(c.URL, second.ID, second.Token, c.TLSConfig())
	defer waiting.close()
	deadline := time.Now().Add(pageWait)
	if !waiting.waitFor(deadline, func(v ticketView, n int) bool { return n >= 1 && v.Place == 2 }) {
		t.Fatalf("the citizen on node C never saw place 2: %+v", waiting.last)
	}
	var admitted struct {
		RoomID string `json:"room_id"`
	}
	if st := anna.do("POST", "/api/v1/staff/tickets/"+knocked[0].ID+"/admit", map[string]string{}, &admitted); st != 200 || admitted.RoomID == "" {
		t.Fatalf("admit on node A: %d %+v", st, admitted)
	}
	if !waiting.waitFor(time.Now().Add(pageWait), func(v ticketView, n int) bool { return v.Place == 1 }) {
		t.Fatalf("the citizen on node C did not move up after an admission on node A: %+v", waiting.last)
	}

	// a media admission key issued by node A admits on node B, once
	var grant struct {
		SignalURL string `json:"signal_url"`
		Token     string `json:"token"`
	}
	if st := anna.do("GET", "/api/v1/rooms/"+admitted.RoomID+"/media", nil, &grant); st != 200 || grant.Token == "" {
		t.Fatalf("media grant on node A: %d %+v", st, grant)
	}
	if code := dialMedia(t, b, grant.Token); code != http.StatusSwitchingProtocols {
		t.Fatalf("node A's admission key on node B's SFU: status %d", code)
	}
	if code := dialMedia(t, c, grant.Token); code != http.StatusUnauthorized {
		t.Fatalf("the same admission key again on node C: status %d, want 401", code)
	}
	if st := anna.do("POST", "/api/v1/staff/tickets/"+knocked[0].ID+"/end", map[string]string{}, nil); st != 200 {
		t.Fatalf("end on node A: %d", st)
	}

	// a stream key issued by node A opens the stream on node B, once
	key := streamKeyOn(t, a, "/api/v1/tickets/"+second.ID+"/events", second.Token)
	if code := dialWithKey(t, b, "/api/v1/tickets/"+second.ID+"/events", key); code != http.StatusSwitchingProtocols {
		t.Fatalf("stream key of node A on node B: status %d", code)
	}
	if code := dialWithKey(t, c, "/api/v1/tickets/"+second.ID+"/events", key); code != http.StatusUnauthorized {
		t.Fatalf("the same stream key again on node C: status %d, want 401", code)
	}

	// 5. every acknowledged knock is queued on every node, in knock order
	want := make([]string, 0, len(knocked)-1)
	for _, k := range knocked[1:] {
		want = append(want, k.Number)
	}
	for i, n := range nodes {
		cl := nodeClient(t, n)
		cl.login("anna", "anna-passwort-123")
		waitFor(t, pageWait, "node "+itoa(i)+" queue", func() bool { return slices.Equal(queueNumbers(t, cl, "buergerbuero"), want) })
	}

	// an office created in the web administration on node A is offered by B and C
	admin := nodeClient(t, a)
	admin.login(adminLogin, adminPassword)
	office := url.Values{"id": {"kfz"}, "name": {"Zulassungsstelle"}, "prefix": {"Z"}, "languages": {"de"}, "chairs": {"1"}, "hours_mon": {"08:00-12:00"}}
	if st, body := adminPost(t, admin, "/staff/admin/offices", office); st != http.StatusOK {
		t.Fatalf("create an office on node A: %d %.300s", st, body)
	}
	for i, n := range []*apptest.Process{b, c} {
		pub := nodeClient(t, n)
		waitFor(t, pageWait, "the new office on node "+itoa(i+1), func() bool {
			var list struct {
				Offices []struct{ ID string } `json:"offices"`
			}
			pub.do("GET", "/api/v1/offices", nil, &list)
			return slices.ContainsFunc(list.Offices, func(o struct{ ID string }) bool { return o.ID == "kfz" })
		})
	}

	// 2. two clerks on different nodes admit the same ticket at once
	citizenC := nodeClient(t, c)
	for round := range 100 {
		k := citizenC.knock("bauamt", "Gleichzeitig")
		admitAtOnce(t, round, k.ID, anna, ben)
	}
}

// streamKeyOn asks node p for a stream key as the browser does.
func streamKeyOn(t *testing.T, p *apptest.Process, path, token string) string {
	t.Helper()
	cl := nodeClient(t, p)
	cl.token = token
	var k struct{ Key string }
	if st := cl.do("POST", "/api/v1/stream-keys", map[string]string{"stream": path}, &k); st != http.StatusCreated {
		t.Fatalf("stream key on %s: %d", p.URL, st)
	}
	return k.Key
}

// dialWithKey opens path on node p with a stream key and returns the
// handshake's status.
func dialWithKey(t *testing.T, p *apptest.Process, path, key string) int {
	t.Helper()
	d := websocket.Dialer{TLSClientConfig: p.TLSConfig(), HandshakeTimeout: 5 * time.Second}
	ws, res, err := d.Dial("wss://"+strings.TrimPrefix(p.URL, "https://")+path+"?stream_key="+url.QueryEscape(key), nil)
	if ws != nil {
		ws.Close()
	}
	if res == nil {
		t.Fatalf("dial %s: %v", p.URL, err)
	}
	return res.StatusCode
}

// dialMedia opens node p's signalling WebSocket with an admission key and
// returns the handshake's status.
func dialMedia(t *testing.T, p *apptest.Process, key string) int {
	t.Helper()
	d := websocket.Dialer{TLSClientConfig: p.TLSConfig(), HandshakeTimeout: 5 * time.Second}
	ws, res, err := d.Dial("wss://"+strings.TrimPrefix(p.URL, "https://")+"/sfu", http.Header{"Authorization": {"Bearer " + key}})
	if ws != nil {
		ws.Close()
	}
	if res == nil {
		t.Fatalf("dial media on %s: %v", p.URL, err)
	}
	return res.StatusCode
}

// startCluster starts n serve processes on one PostgreSQL database, with
// the clerks anna and ben created by the admin command of the first.
func startCluster(t *testing.T, dsn string, n int) []*apptest.Process {
	t.Helper()
	var out []*apptest.Process
	for i := range n {
		cfg := apptest.ServeConfig(t)
		cfg.Store.Driver, cfg.Store.DSN = "postgres", dsn
		cfg.Reception.MaxQueue = 1000
		if i == 0 {
			addClerkOn(t, cfg, "anna", "anna-passwort-123")
			addClerkOn(t, cfg, "ben", "ben-passwort-1234")
			addClerkOn(t, cfg, adminLogin, adminPassword, "--role", "admin")
		}
		out = append(out, apptest.StartProcess(t, cfg))
	}
	return out
}

// addClerkOn runs `buergerbuero admin --config` against cfg's database.
func addClerkOn(t *testing.T, cfg *config.Config, login, password string, flags ...string) {
	t.Helper()
	b, err := config.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"admin", "--config", path, "clerk", "add", "--login", login, "--name", login, "--offices", "buergerbuero,bauamt"}, flags...)
	cmd := exec.Command(apptest.Binary(t), args...)
	cmd.Stdin = strings.NewReader(password + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("admin clerk add %s: %v: %s", login, err, out)
	}
}

func nodeClient(t *testing.T, p *apptest.Process) *apiClient {
	hc := p.Client()
	hc.Jar, _ = cookiejar.New(nil)
	return &apiClient{t: t, base: p.URL, http: hc}
}

func queueNumbers(t *testing.T, cl *apiClient, office string) []string {
	var res struct {
		Offices []struct {
			ID    string `json:"id"`
			Queue []struct {
				Number string `json:"number"`
				State  string `json:"state"`
			} `json:"queue"`
		} `json:"offices"`
	}
	if st := cl.do("GET", "/api/v1/staff/offices", nil, &res); st != 200 {
		t.Fatalf("staff offices: %d", st)
	}
	var out []string
	for _, o := range res.Offices {
		if o.ID != office {
			continue
		}
		for _, q := range o.Queue {
			if q.State == "waiting" {
				out = append(out, q.Number)
			}
		}
	}
	return out
}

// clerkStream is a clerk's live staff event stream (the session cookie,
// as the staff page opens it), noting when each ticket number was first
// seen.
type clerkStream struct {
	mu   sync.Mutex
	cond *sync.Cond
	seen map[string]time.Time
	err  error
}

func openClerkStream(t *testing.T, p *apptest.Process, clerk *apiClient) *clerkStream {
	t.Helper()
	u, _ := url.Parse(p.URL)
	h := http.Header{"Origin": {p.URL}}
	for _, ck := range clerk.http.Jar.Cookies(u) {
		h.Add("Cookie", ck.Name+"="+ck.Value)
	}
	d := websocket.Dialer{TLSClientConfig: p.TLSConfig(), HandshakeTimeout: 5 * time.Second}
	ws, _, err := d.Dial("wss://"+u.Host+"/api/v1/staff/events", h)
	if err != nil {
		t.Fatalf("staff stream: %v", err)
	}
	s := &clerkStream{seen: map[string]time.Time{}}
	s.cond = sync.NewCond(&s.mu)
	t.Cleanup(func() { ws.Close() })
	go func() {
		for {
			_, b, err := ws.ReadMessage()
			now := time.Now()
			s.mu.Lock()
			if err != nil {
				s.err = err
				s.cond.Broadcast()
				s.mu.Unlock()
				return
			}
			var ev struct {
				Type   string `json:"type"`
				Ticket struct {
					Number string `json:"number"`
				} `json:"ticket"`
			}
			if json.Unmarshal(b, &ev) == nil && ev.Type == "ticket" {
				if _, ok := s.seen[ev.Ticket.Number]; !ok {
					s.seen[ev.Ticket.Number] = now
				}
				s.cond.Broadcast()
			}
			s.mu.Unlock()
		}
	}()
	return s
}

// waitKnock returns when the stream first showed the ticket number.
func (s *clerkStream) waitKnock(t *testing.T, number string, deadline time.Time) time.Time {
	t.Helper()
	timer := time.AfterFunc(time.Until(deadline), func() {
		s.mu.Lock()
		s.cond.Broadcast()
		s.mu.Unlock()
	})
	defer timer.Stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		if at, ok := s.seen[number]; ok {
			return at
		}
		if s.err != nil || time.Now().After(deadline) {
			t.Fatalf("the clerk's stream did not show %s (%v)", number, s.err)
		}
		s.cond.Wait()
	}
}
