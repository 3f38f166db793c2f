package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
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
// in knock order (also after a restart), and ticket numbers increase with
// knock time.
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
	readPlaces := func() []int {
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
		return places
	}
	places := readPlaces()
	// the queue rebuilt from the database after a restart is the same
	srv.Restart()
	if again := readPlaces(); !slices.Equal(again, places) {
		t.Errorf("places changed across a restart")
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

// TestKnockLanguageMustBeOffered: a knock in a language the office does
// not offer is refused with 422, field "language", naming the allowed
// languages; an empty language is the office's first.
func TestKnockLanguageMustBeOffered(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true})
	c := newClient(t, srv)
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
			Field   string `json:"field"`
		} `json:"error"`
	}
	st := c.do("POST", "/api/v1/offices/bauamt/knocks", map[string]string{"concern": "Bauantrag Garage", "language": "tr"}, &e)
	if st != http.StatusUnprocessableEntity || e.Error.Field != "language" || !strings.Contains(e.Error.Message, "de, en") {
		t.Fatalf("knock in Turkish at the Bauamt: %d %+v, want 422 on language naming de, en", st, e.Error)
	}
	var k struct {
		Ticket struct{ Language string } `json:"ticket"`
	}
	if st := c.do("POST", "/api/v1/offices/bauamt/knocks", map[string]string{"concern": "Bauantrag Garage"}, &k); st != 201 || k.Ticket.Language != "de" {
		t.Fatalf("knock without language: %d, language %q, want 201 de", st, k.Ticket.Language)
	}
}

// TestNobodyOnDuty: an open office without a clerk on duty says so on the
// office list and refuses knocks (unless it takes knocks without a clerk);
// once a clerk is available it takes them again.
func TestNobodyOnDuty(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true, Configure: func(c *config.Config) {
		c.Offices[1].KnocksWithoutClerk = false // bauamt
	}})
	citizen := newClient(t, srv)
	status := func() map[string]officeJSON {
		var l struct{ Offices []officeJSON }
		citizen.do("GET", "/api/v1/offices", nil, &l)
		m := map[string]officeJSON{}
		for _, o := range l.Offices {
			m[o.ID] = o
		}
		return m
	}
	l := status()
	if o := l["bauamt"]; o.State != "unstaffed" || o.ClerksOnDuty != 0 || o.Accepting || o.Reason != "nobody_on_duty" {
		t.Fatalf("Bauamt without clerk: %+v", o)
	}
	if o := l["buergerbuero"]; o.State != "unstaffed" || !o.Accepting {
		t.Fatalf("Bürgerbüro (knocks without clerk): %+v", o)
	}
	var e apiError
	if st := citizen.do("POST", "/api/v1/offices/bauamt/knocks", map[string]string{"concern": "Bauantrag Garage"}, &e); st != http.StatusServiceUnavailable || e.Error.Code != "nobody_on_duty" {
		t.Fatalf("knock at the unstaffed Bauamt: %d %v", st, e)
	}
	anna := newClient(t, srv)
	anna.login("anna", srv.Clerks[0].Password)
	if st := anna.do("PUT", "/api/v1/staff/me/presence", map[string]string{"presence": "available"}, nil); st != 200 {
		t.Fatalf("presence: %d", st)
	}
	if o := status()["bauamt"]; o.State != "open" || o.ClerksOnDuty != 1 || !o.Accepting {
		t.Fatalf("Bauamt with Anna on duty: %+v", o)
	}
	citizen.knock("bauamt", "Bauantrag Garage")
}

type officeJSON struct {
	ID           string `json:"id"`
	State        string `json:"state"`
	ClerksOnDuty int    `json:"clerks_on_duty"`
	Accepting    bool   `json:"accepting_knocks"`
	Reason       string `json:"reason"`
}
