package matrixbridge_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
)

// ---- Citizen side: the public API and the room WebSocket ----

type citizen struct {
	t      testing.TB
	app    *apptest.Server
	hc     *http.Client
	ID     string
	Number string
	Token  string
	Room   string
	mu     sync.Mutex
	msgs   []citizenMsg
	notify chan struct{}
}

type citizenMsg struct {
	Seq        int64  `json:"seq"`
	AuthorRole string `json:"author_role"`
	Author     string `json:"author"`
	Text       string `json:"text"`
	ClientID   string `json:"client_id"`
	File       *struct {
		ID   string `json:"id"`
		Name string `json:"name"`
		Type string `json:"type"`
	} `json:"file"`
	received time.Time
}

func knock(t testing.TB, app *apptest.Server, office, concern string) *citizen {
	t.Helper()
	c := &citizen{t: t, app: app, hc: app.Client(), notify: make(chan struct{})}
	var out struct {
		ID     string `json:"id"`
		Number string `json:"number"`
		Token  string `json:"token"`
	}
	c.do("POST", "/api/v1/offices/"+office+"/knocks", map[string]string{"concern": concern, "language": "de"}, &out, 201)
	c.ID, c.Number, c.Token = out.ID, out.Number, out.Token
	return c
}

func (c *citizen) do(method, path string, in, out any, want int) {
	c.t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.app.URL+path, body)
	req.Header.Set("Content-Type", "application/json")
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	resp, err := c.hc.Do(req)
	must(c.t, err)
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		c.t.Fatalf("%s %s: %d %s (want %d)", method, path, resp.StatusCode, data, want)
	}
	if out != nil {
		must(c.t, json.Unmarshal(data, out))
	}
}

func (c *citizen) state() (state, room string) {
	var t struct {
		State  string `json:"state"`
		RoomID string `json:"room_id"`
	}
	c.do("GET", "/api/v1/tickets/"+c.ID, nil, &t, 200)
	return t.State, t.RoomID
}

// follow opens the room WebSocket as the citizen and records messages.
func (c *citizen) follow(ctx context.Context) {
	c.t.Helper()
	var after int64 // resume after what was already received (reconnects)
	c.mu.Lock()
	if n := len(c.msgs); n > 0 {
		after = c.msgs[n-1].Seq
	}
	c.mu.Unlock()
	u := strings.Replace(c.app.URL, "https://", "wss://", 1) + "/api/v1/rooms/" + url.PathEscape(c.Room) +
		fmt.Sprintf("/events?after=%d", after)
	d := websocket.Dialer{TLSClientConfig: c.app.TLSConfig(), HandshakeTimeout: 10 * time.Second}
	// a programmatic client sends its credentials as headers (browsers use a stream key)
	conn, resp, err := d.DialContext(ctx, u, http.Header{"Authorization": {"Bearer " + c.Token}, "X-Ticket": {c.ID}})
	if err != nil {
		if resp != nil {
			b, _ := io.ReadAll(resp.Body)
			c.t.Fatalf("citizen websocket: %v %s", err, b)
		}
		c.t.Fatalf("citizen websocket: %v", err)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	go func() {
		defer stop()
		defer conn.Close()
		for {
			var ev struct {
				Type    string     `json:"type"`
				Message citizenMsg `json:"message"`
			}
			if err := conn.ReadJSON(&ev); err != nil {
				return
			}
			if ev.Type != "message" {
				continue
			}
			ev.Message.received = time.Now()
			c.mu.Lock()
			c.msgs = append(c.msgs, ev.Message)
			close(c.notify)
			c.notify = make(chan struct{})
			c.mu.Unlock()
		}
	}()
}

func (c *citizen) waitFor(timeout time.Duration, what string, cond func([]citizenMsg) bool) []citizenMsg {
	c.t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		c.mu.Lock()
		ms := append([]citizenMsg(nil), c.msgs...)
		ch := c.notify
		c.mu.Unlock()
		if cond(ms) {
			return ms
		}
		select {
		case <-ch:
		case <-deadline.C:
			c.t.Fatalf("citizen %s: timed out after %s waiting for %s; have %+v", c.Number, timeout, what, ms)
		}
	}
}

func (c *citizen) say(text string) {
	c.t.Helper()
	c.do("POST", "/api/v1/tickets/"+c.ID+"/messages", map[string]string{"text": text}, nil, 201)
}

func (c *citizen) sendFile(name, mimeType string, data []byte) {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	h := map[string][]string{"Content-Disposition": {fmt.Sprintf(`form-data; name="file"; filename=%q`, name)}, "Content-Type": {mimeType}}
	p, _ := mw.CreatePart(h)
	_, _ = p.Write(data)
	_ = mw.Close()
	req, _ := http.NewRequest("POST", c.app.URL+"/api/v1/tickets/"+c.ID+"/files", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+c.Token)
	resp, err := c.hc.Do(req)
	must(c.t, err)
	defer resp.Body.Close()
	if resp.StatusCode != 201 {
		b, _ := io.ReadAll(resp.Body)
		c.t.Fatalf("citizen file upload: %d %s", resp.StatusCode, b)
	}
}

func (c *citizen) fetchFile(fileID string) []byte {
	c.t.Helper()
	req, _ := http.NewRequest("GET", c.app.URL+"/api/v1/rooms/"+c.Room+"/files/"+fileID, nil)
	req.Header.Set("Authorization", "Bearer "+c.Token)
	req.Header.Set("X-Ticket", c.ID)
	resp, err := c.hc.Do(req)
	must(c.t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		c.t.Fatalf("citizen file download: %d %s", resp.StatusCode, b)
	}
	return b
}

// waitTicketState polls the public ticket API (the appliance offers no
// other way for a citizen without a WebSocket) until want holds.
func (c *citizen) waitTicketState(timeout time.Duration, want ...string) string {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		st, room := c.state()
		for _, w := range want {
			if st == w {
				c.Room = room
				return st
			}
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("ticket %s: state %q, want one of %v", c.Number, st, want)
		}
		<-tick.C
	}
}

// waitMessages polls the citizen's message list (GET …/messages) until cond
// holds; used while the citizen's WebSocket is down.
func (c *citizen) waitMessages(timeout time.Duration, what string, cond func([]citizenMsg) bool) {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		var out struct {
			Messages []citizenMsg `json:"messages"`
		}
		c.do("GET", "/api/v1/tickets/"+c.ID+"/messages", nil, &out, 200)
		if cond(out.Messages) {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("citizen %s: timed out after %s waiting for %s", c.Number, timeout, what)
		}
		<-tick.C
	}
}
