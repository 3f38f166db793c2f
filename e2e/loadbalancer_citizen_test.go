package e2e

import (
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Waiting citizens and clerks as they use the appliance through a load
// balancer: only its address, never a node's.

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
			// the node that took the knock must count the previous one,
			// knocked on another node a moment before
			t.Fatalf("%s: the knock's answer says place %d, its place is %d", k.Number, k.Place, queued[office])
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
			c.follow(ws)
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
