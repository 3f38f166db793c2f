package e2e

import (
	"sync"
	"testing"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
)

// TestConcurrentAdmitExactlyOneWins: two clerks click "admit" on the same
// ticket at the same moment, 100 times. Each time exactly one wins; the
// other gets 409 with a message that says a colleague was faster.
func TestConcurrentAdmitExactlyOneWins(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true})
	citizen := newClient(t, srv)
	anna, ben := newClient(t, srv), newClient(t, srv)
	anna.login("anna", srv.Clerks[0].Password)
	ben.login("ben", srv.Clerks[1].Password)
	wins := map[string]int{}
	for i := 0; i < 100; i++ {
		k := citizen.knock("buergerbuero", "Gleichzeitig aufgerufen")
		var wg sync.WaitGroup
		start := make(chan struct{})
		status := make([]int, 2)
		bodies := make([]apiError, 2)
		for j, c := range []*apiClient{anna, ben} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				status[j] = c.do("POST", "/api/v1/staff/tickets/"+k.ID+"/admit", map[string]string{}, &bodies[j])
			}()
		}
		close(start)
		wg.Wait()
		var winner *apiClient
		switch {
		case status[0] == 200 && status[1] == 409:
			winner, wins["anna"] = anna, wins["anna"]+1
			if bodies[1].Error.Code != "already_admitted" || bodies[1].Error.Message == "" {
				t.Fatalf("round %d: loser got %+v", i, bodies[1])
			}
		case status[1] == 200 && status[0] == 409:
			winner, wins["ben"] = ben, wins["ben"]+1
			if bodies[0].Error.Code != "already_admitted" {
				t.Fatalf("round %d: loser got %+v", i, bodies[0])
			}
		default:
			t.Fatalf("round %d: statuses %v (%v, %v), want exactly one 200 and one 409", i, status, bodies[0], bodies[1])
		}
		if st := winner.do("POST", "/api/v1/staff/tickets/"+k.ID+"/end", map[string]string{}, nil); st != 200 {
			t.Fatalf("round %d: end: %d", i, st)
		}
	}
	t.Logf("wins: %v", wins)
}
