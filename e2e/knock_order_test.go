package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
	"github.com/buergerbuero/buergerbuero/appliance/config"
)

// TestConcurrentKnocksGetTruePlaces: 200 citizens, each from their own
// address (behind a trusted proxy, so the knock rate limit applies per
// citizen), knock on one office at the same moment. Every 201 answer
// carries the citizen's true place at that moment: the places are
// distinct, the places read back afterwards are the same and form 1..200
// in knock order, and ticket numbers increase with knock time.
func TestConcurrentKnocksGetTruePlaces(t *testing.T) {
	const n = 200
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true, Configure: func(c *config.Config) {
		c.HTTP.TrustedProxies = []string{"127.0.0.0/8"}
		c.Reception.KnockBurst = 3 // per client address
	}})
	httpc := srv.Client()
	httpc.Transport.(*http.Transport).MaxIdleConnsPerHost = n

	type answer struct {
		ID     string `json:"id"`
		Number string `json:"number"`
		Token  string `json:"token"`
		Place  int    `json:"place"`
		Ticket struct {
			KnockedAt time.Time `json:"knocked_at"`
		} `json:"ticket"`
	}
	answers := make([]answer, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body, _ := json.Marshal(map[string]string{"concern": fmt.Sprintf("Anliegen %d", i), "language": "de"})
			req, _ := http.NewRequest("POST", srv.URL+"/api/v1/offices/buergerbuero/knocks", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Origin", srv.URL)
			req.Header.Set("X-Forwarded-For", fmt.Sprintf("198.51.%d.%d", 100+i/250, 1+i%250))
			<-start
			res, err := httpc.Do(req)
			if err != nil {
				errs[i] = err
				return
			}
			defer res.Body.Close()
			if res.StatusCode != http.StatusCreated {
				var e apiError
				json.NewDecoder(res.Body).Decode(&e)
				errs[i] = fmt.Errorf("status %d: %s", res.StatusCode, e)
				return
			}
			errs[i] = json.NewDecoder(res.Body).Decode(&answers[i])
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("knock %d: %v", i, err)
		}
	}

	// read every place back through the citizen's own ticket
	places := make([]int, n)
	for i, a := range answers {
		c := newClient(t, srv)
		c.token = a.Token
		var v struct {
			Place int `json:"place"`
		}
		if st := c.do("GET", "/api/v1/tickets/"+a.ID, nil, &v); st != 200 {
			t.Fatalf("GET ticket %s: %d", a.Number, st)
		}
		places[i] = v.Place
	}

	// knock order: the order in which the server accepted the knocks, i.e.
	// by the knock time it returned
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(x, y int) int { return answers[x].Ticket.KnockedAt.Compare(answers[y].Ticket.KnockedAt) })
	wrong, seen := 0, map[int]bool{}
	for rank, i := range order {
		a := answers[i]
		if seen[a.Place] {
			t.Errorf("%s: place %d was given to another knock as well", a.Number, a.Place)
		}
		seen[a.Place] = true
		if places[i] != rank+1 {
			t.Errorf("%s (knocked %s): reads back place %d, want %d (knock order)", a.Number, a.Ticket.KnockedAt.Format("15:04:05.000"), places[i], rank+1)
		}
		if a.Place != places[i] {
			wrong++
		}
		if rank > 0 {
			prev := answers[order[rank-1]]
			if !prev.Ticket.KnockedAt.Before(a.Ticket.KnockedAt) || !numberLess(prev.Number, a.Number) {
				t.Errorf("knock order: %s at %s, then %s at %s: numbers must increase with knock time",
					prev.Number, prev.Ticket.KnockedAt.Format("15:04:05.000"), a.Number, a.Ticket.KnockedAt.Format("15:04:05.000"))
			}
		}
	}
	if wrong > 0 {
		t.Errorf("%d of %d knock answers carried a place other than the citizen's true place", wrong, n)
	}
}

// numberLess compares ticket numbers of one office and day ("B-009" < "B-010").
func numberLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}
