package e2e

import (
	"net/http/cookiejar"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
)

// TestSIGKILLRestartKeepsEveryCitizen: 50 citizens wait in two offices,
// the server process is killed with SIGKILL and started again. Every ticket
// is still there in the same order, and the citizens' live connections
// (49 programmatic ones and one real browser page) resume by themselves:
// a queue change after the restart reaches all of them.
func TestSIGKILLRestartKeepsEveryCitizen(t *testing.T) {
	cfg := apptest.ServeConfig(t)
	// a clerk, created with the admin command
	apptest.AddClerk(t, cfg.Store.DataDir, "anna", "anna-passwort-123", "buergerbuero", "bauamt")
	p := apptest.StartProcess(t, cfg)
	hc := p.Client()
	hc.Jar, _ = cookiejar.New(nil)
	api := &apiClient{t: t, base: p.URL, http: hc}
	type entry struct {
		k      knockResult
		office string
		place  int
	}
	var all []entry
	for i := 0; i < 50; i++ {
		office := []string{"buergerbuero", "bauamt"}[i%2]
		k := api.knock(office, "Anliegen Nummer "+string(rune('A'+i%26)))
		all = append(all, entry{k, office, i/2 + 1})
		if k.Place != i/2+1 {
			t.Fatalf("knock %d got place %d", i, k.Place)
		}
	}
	// the browser holds the Bürgerbüro's second ticket; the others are programmatic
	open := newBrowser(t, p.CertPEM())
	browser := open()
	bt := all[2].k
	step(t, browser, "open waiting page",
		chromedp.Navigate(p.URL+"/"),
		chromedp.Evaluate(`sessionStorage.setItem('bb_ticket', JSON.stringify({id: `+jsString(bt.ID)+`, token: `+jsString(bt.Token)+`, number: `+jsString(bt.Number)+`}))`, nil),
		chromedp.Navigate(p.URL+"/wait/"+bt.ID),
		chromedp.Poll(`document.getElementById('place').textContent === '2'`, nil))
	citizens := map[string]*waitingCitizen{}
	deadline := time.Now().Add(pageWait)
	for i, e := range all {
		if i == 2 {
			continue
		}
		c := newWaitingCitizen(p.URL, e.k.ID, e.k.Token, p.TLSConfig())
		defer c.close()
		citizens[e.k.ID] = c
	}
	for i, e := range all {
		if c := citizens[e.k.ID]; c != nil && !c.waitFor(deadline, func(v ticketView, n int) bool { return n == 1 && v.Place == e.place }) {
			t.Fatalf("citizen %d never saw place %d", i, e.place)
		}
	}

	p.Kill()
	p.Start()

	// every ticket is still there, in the same order
	for i, e := range all {
		var v ticketView
		api.token = e.k.Token
		if st := api.do("GET", "/api/v1/tickets/"+e.k.ID, nil, &v); st != 200 || v.State != "waiting" || v.Place != e.place || v.OfficeID != e.office {
			t.Fatalf("ticket %d after SIGKILL: status %d, %+v (want place %d in %s)", i, st, v, e.place, e.office)
		}
	}
	api.token = ""
	// the connections came back without anyone doing anything
	deadline = time.Now().Add(pageWait)
	for i, e := range all {
		if c := citizens[e.k.ID]; c != nil && !c.waitFor(deadline, func(v ticketView, n int) bool { return n >= 2 }) {
			t.Fatalf("citizen %d did not reconnect", i)
		}
	}
	// a clerk admits the Bürgerbüro's first citizen: everybody behind moves up
	api.login("anna", "anna-passwort-123")
	if st := api.do("POST", "/api/v1/staff/tickets/"+all[0].k.ID+"/admit", map[string]string{}, nil); st != 200 {
		t.Fatalf("admit after restart: %d", st)
	}
	deadline = time.Now().Add(pageWait)
	for i, e := range all {
		c := citizens[e.k.ID]
		if c == nil || i == 0 {
			continue
		}
		want := e.place
		if e.office == "buergerbuero" {
			want--
		}
		if !c.waitFor(deadline, func(v ticketView, n int) bool { return v.Place == want }) {
			t.Fatalf("citizen %d (%s) did not see place %d after the restart", i, e.office, want)
		}
	}
	if !citizens[all[0].k.ID].waitFor(deadline, func(v ticketView, n int) bool { return v.State == "called" && v.RoomID != "" }) {
		t.Fatal("the admitted citizen was not called over the resumed connection")
	}
	step(t, browser, "browser page moved up after the restart",
		chromedp.Poll(`document.getElementById('place').textContent === '1' && document.getElementById('conn').textContent === ''`, nil))
}
