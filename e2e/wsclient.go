package e2e

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// dialStream opens a WebSocket as a browser does: it gets a single-use
// stream key with the token in the Authorization header (and X-Ticket, a
// citizen in a room), then dials path?[query&]stream_key=KEY. The token
// never appears in a URL.
func dialStream(base string, tc *tls.Config, path, query, token, ticket string) (*websocket.Conn, error) {
	body, _ := json.Marshal(map[string]string{"stream": path})
	req, _ := http.NewRequest("POST", base+"/api/v1/stream-keys", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	if ticket != "" {
		req.Header.Set("X-Ticket", ticket)
	}
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: tc}}
	res, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	var k struct{ Key string }
	if err := json.NewDecoder(res.Body).Decode(&k); err != nil || res.StatusCode != http.StatusCreated {
		return nil, fmt.Errorf("stream key for %s: status %d %v", path, res.StatusCode, err)
	}
	q := "stream_key=" + url.QueryEscape(k.Key)
	if query != "" {
		q = query + "&" + q
	}
	d := websocket.Dialer{TLSClientConfig: tc, HandshakeTimeout: 5 * time.Second}
	ws, _, err := d.Dial("wss://"+strings.TrimPrefix(base, "https://")+path+"?"+q, nil)
	return ws, err
}

type ticketView struct {
	ID              string `json:"id"`
	Number          string `json:"number"`
	OfficeID        string `json:"office_id"`
	State           string `json:"state"`
	Place           int    `json:"place"`
	EstimateSeconds int    `json:"estimate_seconds"`
	RoomID          string `json:"room_id"`
}

// waitingCitizen keeps a ticket's live connection open like the browser's
// waiting page does: it reconnects by itself after a drop, with backoff.
type waitingCitizen struct {
	base, id, token string
	tls             *tls.Config

	mu       sync.Mutex
	cond     *sync.Cond
	last     ticketView
	connects int
	views    int
	stop     bool
	ws       *websocket.Conn
}

func newWaitingCitizen(base, id, token string, tc *tls.Config) *waitingCitizen {
	c := &waitingCitizen{base: base, id: id, token: token, tls: tc}
	c.cond = sync.NewCond(&c.mu)
	go c.run()
	return c
}

func (c *waitingCitizen) run() {
	backoff := 100 * time.Millisecond
	for {
		c.mu.Lock()
		if c.stop {
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		ws, err := dialStream(c.base, c.tls, "/api/v1/tickets/"+c.id+"/events", "", c.token, "")
		if err != nil {
			time.Sleep(backoff) // client-side reconnect backoff, as in the browser
			backoff = min(backoff*2, 2*time.Second)
			continue
		}
		backoff = 100 * time.Millisecond
		c.follow(ws)
	}
}

// follow records ws as the citizen's connection and reads its views
// until it breaks; then it closes it and wakes the waiters.
func (c *waitingCitizen) follow(ws *websocket.Conn) {
	c.mu.Lock()
	c.connects++
	c.ws = ws
	c.mu.Unlock()
	for {
		_, b, err := ws.ReadMessage()
		if err != nil {
			break
		}
		var m struct {
			Ticket ticketView `json:"ticket"`
		}
		if json.Unmarshal(b, &m) == nil && m.Ticket.ID != "" {
			c.mu.Lock()
			c.last, c.views = m.Ticket, c.views+1
			c.cond.Broadcast()
			c.mu.Unlock()
		}
	}
	ws.Close()
	c.mu.Lock()
	c.cond.Broadcast()
	c.mu.Unlock()
}

// waitFor blocks until cond holds for the citizen's state or the deadline passes.
func (c *waitingCitizen) waitFor(deadline time.Time, cond func(last ticketView, connects int) bool) bool {
	timer := time.AfterFunc(time.Until(deadline), func() {
		c.mu.Lock()
		c.cond.Broadcast()
		c.mu.Unlock()
	})
	defer timer.Stop()
	c.mu.Lock()
	defer c.mu.Unlock()
	for !cond(c.last, c.connects) {
		if time.Now().After(deadline) {
			return false
		}
		c.cond.Wait()
	}
	return true
}

func (c *waitingCitizen) close() {
	c.mu.Lock()
	c.stop = true
	if c.ws != nil {
		c.ws.Close()
	}
	c.mu.Unlock()
}
