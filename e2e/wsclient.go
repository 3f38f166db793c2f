package e2e

import (
	"crypto/tls"
	"encoding/json"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

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
	u := "wss://" + strings.TrimPrefix(c.base, "https://") + "/api/v1/tickets/" + c.id + "/events?access_token=" + url.QueryEscape(c.token)
	d := websocket.Dialer{TLSClientConfig: c.tls, HandshakeTimeout: 5 * time.Second}
	for {
		c.mu.Lock()
		if c.stop {
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		ws, _, err := d.Dial(u, nil)
		if err != nil {
			time.Sleep(backoff) // client-side reconnect backoff, as in the browser
			backoff = min(backoff*2, 2*time.Second)
			continue
		}
		backoff = 100 * time.Millisecond
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
