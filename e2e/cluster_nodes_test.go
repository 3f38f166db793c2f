package e2e

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
	"github.com/buergerbuero/buergerbuero/appliance/placement"
	"github.com/buergerbuero/buergerbuero/appliance/store/pgtest"
	"github.com/buergerbuero/buergerbuero/appliance/store/postgres"
)

// clusterClerks are the clerks of the placement test: one consultation
// each (a clerk has one at a time).
var clusterClerks = []string{"anna", "ben", "carl", "dora", "emil", "frida"}

func clusterPassword(login string) string {
	switch login {
	case "anna":
		return "anna-passwort-123"
	case "ben":
		return "ben-passwort-1234"
	}
	return login + "-passwort-12345"
}

// nodeConsultation is one consultation of the placement test.
type nodeConsultation struct {
	room    string
	host    string // its media node when placed
	clerk   *apiClient
	citizen *apiClient
	members []*pionMember // none for the browser's consultation
}

// TestThreeNodesPlacementAndNodeLoss, steps 3–5 of issue 14's three-node
// test: three `serve` processes on one PostgreSQL, each with its own
// media.node_url. Consultations are placed one after the other; each
// lands on a node that carried the fewest participants (as the nodes'
// heartbeats report them in the registry) the moment it was placed, and
// video flows: one consultation in Chromium, the others between pion
// clients. Citizens wait with their live connection on node C, the media
// node of the browser's consultation, which also carries a pion
// consultation. C is killed with SIGKILL: the waiting citizens, whose
// client dials the next node as a load balancer would, are back at the
// same places with the same tickets; C's consultations are re-placed and
// their clients rejoin by themselves (Chromium's room page; the pion
// clients by the same protocol: fresh grant, join); every knock and chat
// message acknowledged before the kill is there afterwards.
func TestThreeNodesPlacementAndNodeLoss(t *testing.T) {
	if testing.Short() {
		t.Skip("three processes, a PostgreSQL and Chromium")
	}
	dsn := pgtest.DSN(t)
	nodes := startCluster(t, dsn, 3)
	cfg := apptest.ServeConfig(t)
	cfg.Store.Driver, cfg.Store.DSN = "postgres", dsn
	for _, login := range clusterClerks[2:] {
		addClerkOn(t, cfg, login, clusterPassword(login))
	}
	db, err := postgres.Open(context.Background(), dsn, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	lb := newLB(nodes)
	index := map[string]int{}
	for i, n := range nodes {
		index[hostOf(n.URL)] = i
	}
	var clerks []*apiClient
	for _, login := range clusterClerks {
		cl := lb.client(t, 0)
		cl.login(login, clusterPassword(login))
		clerks = append(clerks, cl)
	}

	// participants is what the test has connected to each node; placed
	// checks the registry reports it, then that a consultation placed
	// now lands on a node with the fewest: least loaded is the heartbeat's
	// participant count, as placement orders by it first
	participants := map[string]int{}
	loads := func() map[string]int {
		var got map[string]int
		waitFor(t, placement.Expiry+pageWait, "the heartbeats reporting the participants", func() bool {
			got = map[string]int{}
			for _, n := range mustNodes(t, db) {
				got[hostOf(n.URL)] = n.Participants
			}
			for _, n := range nodes {
				if got[hostOf(n.URL)] != participants[hostOf(n.URL)] {
					return false
				}
			}
			return true
		})
		return got
	}
	placed := func(what string, before map[string]int, host string) {
		t.Helper()
		least := slices.Min(mapValues(before))
		t.Logf("%s placed on node %d; participants per node before: %v", what, index[host], before)
		if before[host] != least {
			t.Errorf("%s placed on node %d carrying %d participants, the least loaded carried %d", what, index[host], before[host], least)
		}
	}
	var consultations []*nodeConsultation
	admit := func(i int, number string, k knockResult) string {
		var res struct {
			RoomID string `json:"room_id"`
		}
		if st := clerks[i].do("POST", "/api/v1/staff/tickets/"+k.ID+"/admit", map[string]string{}, &res); st != 200 || res.RoomID == "" {
			t.Fatalf("admit %s: %d %+v", number, st, res)
		}
		return res.RoomID
	}
	pion := func(i int) *nodeConsultation {
		before := loads()
		k := lb.client(t, 0).knock("buergerbuero", "Anliegen "+itoa(i))
		c := &nodeConsultation{room: admit(i, k.Number, k), clerk: clerks[i], citizen: lb.citizen(t, 0, k)}
		c.members = []*pionMember{
			startPionMember(t, lb, c.clerk, c.room, "clerk-"+itoa(i)),
			startPionMember(t, lb, c.citizen, c.room, "citizen-"+itoa(i)),
		}
		for _, m := range c.members {
			m.waitMedia(t, 1, mediaWait)
		}
		c.host, _, _, _ = c.members[0].session()
		placed("pion consultation "+itoa(i), before, c.host)
		participants[c.host] += 2
		consultations = append(consultations, c)
		return c
	}

	// 3. the first consultation between pion clients; node X carries it
	// and serves the browser's pages (so they outlive node C)
	x := index[pion(0).host]
	open := newBrowserTrusting(t, nodes[0].CertPEM(), nodes[1].CertPEM(), nodes[2].CertPEM())
	citizenPage, clerkPage := open(), open()
	before := loads()
	var number string
	step(t, citizenPage, "knock in the browser", chromedp.Navigate(nodes[x].URL+"/offices/buergerbuero"), chromedp.WaitVisible("#concern", chromedp.ByID),
		chromedp.SendKeys("#concern", "Videoberatung bitte", chromedp.ByID), chromedp.Click("#knock button[type=submit]", chromedp.ByQuery),
		chromedp.WaitVisible("#number", chromedp.ByID), chromedp.Poll(`document.getElementById('number').textContent.startsWith('B-')`, nil), chromedp.Text("#number", &number, chromedp.ByID))
	login(t, clerkPage, nodes[x].URL, clusterClerks[1], clusterPassword(clusterClerks[1]))
	step(t, clerkPage, "admit "+number, chromedp.Click(`li.ticket[data-number="`+strings.TrimSpace(number)+`"] button[data-action=admit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`button[data-action="consent"]`, chromedp.ByQuery), chromedp.Click(`button[data-action="consent"]`, chromedp.ByQuery))
	step(t, citizenPage, "citizen consents", chromedp.WaitVisible(`button[data-action="consent"]`, chromedp.ByQuery),
		chromedp.Click(`button[data-action="consent"]`, chromedp.ByQuery))
	decoded(t, citizenPage, "citizen sees the clerk", 1)
	decoded(t, clerkPage, "clerk sees the citizen", 1)
	browser := &nodeConsultation{clerk: clerks[1]}
	step(t, clerkPage, "the room's id", chromedp.Evaluate(`document.querySelector('[data-room]').dataset.room`, &browser.room))
	g, _, err := lb.grant(browser.clerk, browser.room, x)
	if err != nil {
		t.Fatal(err)
	}
	browser.host = hostFromSignal(g.SignalURL)
	placed("the browser's consultation", before, browser.host)
	participants[browser.host] += 2
	consultations = append(consultations, browser)
	c := index[browser.host]
	if c == x {
		t.Fatalf("the browser's consultation was placed on node %d, which carried the first one", x)
	}

	// more pion consultations until one shares node C with the browser's
	// (least-loaded placement guarantees it by the fifth)
	onC := false
	for i := 2; i < len(clusterClerks) && !onC; i++ {
		onC = pion(i).host == browser.host
	}
	if !onC {
		t.Fatalf("no pion consultation was placed on node %d", c)
	}
	spread := map[string]bool{}
	for _, k := range consultations {
		spread[k.host] = true
	}
	if len(spread) < 2 {
		t.Errorf("all %d consultations on one node", len(consultations))
	}
	lost := nodeLoss(t, lb, nodes, c, consultations)
	start := time.Now()
	nodes[c].Kill()
	lost.check(t, start, citizenPage, clerkPage)
}

func mapValues(m map[string]int) []int {
	var out []int
	for _, v := range m {
		out = append(out, v)
	}
	return out
}
