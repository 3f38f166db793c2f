package e2e

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
	"github.com/buergerbuero/buergerbuero/sfu/sfuclient"
)

// Clients of a cluster that play the load balancer themselves: on a lost
// connection they ask the next node. A pion participant of a
// consultation that rejoins the way the room page does (media.js), and a
// waiting citizen's live connection that reconnects to the next node.

// lb is the load balancer as a client sees it: the nodes' addresses and
// one TLS configuration trusting them all.
type lb struct {
	bases []string
	tls   *tls.Config
}

func newLB(nodes []*apptest.Process) *lb {
	pool := x509.NewCertPool()
	var bases []string
	for _, n := range nodes {
		pool.AppendCertsFromPEM(n.CertPEM())
		bases = append(bases, n.URL)
	}
	return &lb{bases: bases, tls: &tls.Config{RootCAs: pool}}
}

// client is an API client of node i with its own cookie jar, as one
// browser keeps it (cookies ignore ports: a session works on every node).
func (b *lb) client(t *testing.T, i int) *apiClient {
	jar, _ := cookiejar.New(nil)
	return &apiClient{t: t, base: b.bases[i], http: &http.Client{Timeout: 10 * time.Second, Jar: jar, Transport: &http.Transport{TLSClientConfig: b.tls}}}
}

// citizen is the API client of a ticket's citizen on node i.
func (b *lb) citizen(t *testing.T, i int, k knockResult) *apiClient {
	cl := b.client(t, i)
	cl.token = k.Token
	cl.http.Transport = ticketHeader{cl.http.Transport, k.ID}
	return cl
}

// on is cl talking to node i (the same session or ticket).
func (b *lb) on(cl *apiClient, i int) *apiClient {
	c := *cl
	c.base = b.bases[i]
	return &c
}

// grant asks for a room's media admission as cl would, on the first
// node from start on that answers; it returns the node's index.
func (b *lb) grant(cl *apiClient, room string, start int) (mediaGrant, int, error) {
	var err error
	for k := range b.bases {
		i := (start + k) % len(b.bases)
		req, _ := http.NewRequest("GET", b.bases[i]+"/api/v1/rooms/"+room+"/media", nil)
		req.Header.Set("Origin", b.bases[i])
		if cl.token != "" {
			req.Header.Set("Authorization", "Bearer "+cl.token)
		}
		var res *http.Response
		if res, err = cl.http.Do(req); err != nil {
			continue // the node is gone: the next one
		}
		var g mediaGrant
		err = json.NewDecoder(res.Body).Decode(&g)
		res.Body.Close()
		if res.StatusCode != 200 || err != nil || g.Token == "" {
			return g, i, fmt.Errorf("media grant on %s: %d %v", b.bases[i], res.StatusCode, err)
		}
		return g, i, nil
	}
	return mediaGrant{}, 0, err
}

// pionMember is one participant of a consultation: it publishes a
// synthetic VP8 stream and counts the video packets it receives. When its
// signalling connection is lost it asks for a fresh grant and joins again
// on the node the grant names, backing off from 1 s to 15 s like
// media.js (RENEW_FIRST, RENEW_MAX).
type pionMember struct {
	room, uid string
	cl        *apiClient
	lb        *lb
	received  atomic.Int64 // video packets, all sessions

	mu     sync.Mutex
	cond   *sync.Cond
	joins  int
	host   string    // the signalling host of the current session
	joined time.Time // when the current session was joined
	sinceJ int64     // packets received in the current session
	firstV time.Time // when the current session's first packet came
	err    error     // the last failed attempt

	stop, done chan struct{}
}

func startPionMember(t *testing.T, b *lb, cl *apiClient, room, uid string) *pionMember {
	m := &pionMember{room: room, uid: uid, cl: cl, lb: b, stop: make(chan struct{}), done: make(chan struct{})}
	m.cond = sync.NewCond(&m.mu)
	go m.run()
	t.Cleanup(func() { close(m.stop); <-m.done })
	return m
}

func (m *pionMember) run() {
	defer close(m.done)
	delay := time.Second
	for start := 0; ; start++ {
		c, err := m.join(start)
		if err == nil {
			delay = time.Second
			select {
			case <-c.Done():
			case <-m.stop:
			}
			c.Close()
		} else {
			m.mu.Lock()
			m.err = err
			m.mu.Unlock()
		}
		select {
		case <-m.stop:
			return
		case <-time.After(delay): // the client's retry pacing, as media.js
		}
		delay = min(delay*2, 15*time.Second)
	}
}

func (m *pionMember) join(start int) (*sfuclient.Client, error) {
	g, _, err := m.lb.grant(m.cl, m.room, start)
	if err != nil {
		return nil, err
	}
	api, err := memberAPI()
	if err != nil {
		return nil, err
	}
	c, err := sfuclient.Dial(api, api, g.SignalURL, sfuclient.Options{
		Dialer: &websocket.Dialer{TLSClientConfig: m.lb.tls, HandshakeTimeout: 5 * time.Second},
	})
	if err != nil {
		return nil, err
	}
	video, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "video", m.uid)
	if err == nil {
		_, err = c.Pub.AddTrack(video)
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	c.Sub.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		if tr.Kind() != webrtc.RTPCodecTypeVideo {
			return
		}
		for {
			if _, _, err := tr.ReadRTP(); err != nil {
				return
			}
			m.received.Add(1)
			m.mu.Lock()
			if m.sinceJ++; m.sinceJ == 1 {
				m.firstV = time.Now()
			}
			m.cond.Broadcast()
			m.mu.Unlock()
		}
	})
	if err := c.Join(m.room, m.uid); err != nil {
		c.Close()
		return nil, err
	}
	m.mu.Lock()
	m.joins, m.host, m.joined, m.sinceJ = m.joins+1, hostFromSignal(g.SignalURL), time.Now(), 0
	m.cond.Broadcast()
	m.mu.Unlock()
	go sendVP8(c, video)
	return c, nil
}

// sendVP8 sends a 30 fps synthetic VP8 stream (a keyframe every tenth
// frame, one packet per frame) until the session ends.
func sendVP8(c *sfuclient.Client, tr *webrtc.TrackLocalStaticRTP) {
	tick := time.NewTicker(33 * time.Millisecond)
	defer tick.Stop()
	for n := uint32(0); ; n++ {
		select {
		case <-c.Done():
			return
		case <-tick.C:
		}
		hdr := []byte{0x10, 0x01} // VP8 descriptor, interframe
		if n%10 == 0 {
			hdr[1] = 0x00 // keyframe
		}
		payload := append(hdr, make([]byte, 100)...)
		_ = tr.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, Marker: true, SequenceNumber: uint16(n), Timestamp: n * 3000}, Payload: payload})
	}
}

// session is the member's current session: its node's host, how many
// joins so far, when it joined and the video packets since.
func (m *pionMember) session() (host string, joins int, joined time.Time, packets int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.host, m.joins, m.joined, m.sinceJ
}

// waitMedia waits until the member's session number joins (or later)
// receives video, and returns when the member joined it and when the
// first video packet came.
func (m *pionMember) waitMedia(t *testing.T, joins int, within time.Duration) (joined, video time.Time) {
	t.Helper()
	deadline := time.Now().Add(within)
	timer := time.AfterFunc(within, func() {
		m.mu.Lock()
		m.cond.Broadcast()
		m.mu.Unlock()
	})
	defer timer.Stop()
	m.mu.Lock()
	defer m.mu.Unlock()
	for m.joins < joins || m.sinceJ == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%s in room %s: no video in session %d within %v (joins %d, packets %d, last error %v)", m.uid, m.room, joins, within, m.joins, m.sinceJ, m.err)
		}
		m.cond.Wait()
	}
	return m.joined, m.firstV
}

// lbCitizen is a waiting citizen's live connection that, when the
// connection is lost, dials the next node: the load balancer's part.
type lbCitizen struct {
	*waitingCitizen
	lb   *lb
	node atomic.Int32 // index of the node of the current connection
}

func newLBCitizen(t *testing.T, b *lb, node int, k knockResult) *lbCitizen {
	c := &lbCitizen{waitingCitizen: &waitingCitizen{id: k.ID, token: k.Token, tls: b.tls}, lb: b}
	c.cond = sync.NewCond(&c.mu)
	c.node.Store(int32(node))
	go c.run()
	t.Cleanup(c.close)
	return c
}

func (c *lbCitizen) run() {
	for {
		c.mu.Lock()
		if c.stop {
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		i := int(c.node.Load())
		ws, err := dialStream(c.lb.bases[i], c.tls, "/api/v1/tickets/"+c.id+"/events", "", c.token, "")
		if err != nil {
			c.node.Store(int32((i + 1) % len(c.lb.bases)))
			time.Sleep(50 * time.Millisecond) // the client's retry pacing
			continue
		}
		c.follow(ws)
		c.node.Store(int32((i + 1) % len(c.lb.bases)))
	}
}

// waitBack waits until the citizen has a new connection (after the one
// it had when seen was taken) that shows ticket k at place.
func (c *lbCitizen) waitBack(t *testing.T, views int, k knockResult, place int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	timer := time.AfterFunc(within, func() {
		c.mu.Lock()
		c.cond.Broadcast()
		c.mu.Unlock()
	})
	defer timer.Stop()
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.connects < 2 || c.views <= views || c.last.Number != k.Number || c.last.Place != place {
		if time.Now().After(deadline) {
			t.Fatalf("the citizen of %s is not back at place %d within %v: %d connections, %+v", k.Number, place, within, c.connects, c.last)
		}
		c.cond.Wait()
	}
}

// seen is how many views the citizen has had.
func (c *lbCitizen) seen() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.views
}

// hostOf is the host:port of a node's URL.
func hostOf(u string) string { return strings.TrimPrefix(u, "https://") }

// hostFromSignal is the host:port of a signalling URL.
func hostFromSignal(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	return u.Host
}

// memberAPI is pionAPI for a member's goroutine (no testing.T there).
func memberAPI() (*webrtc.API, error) {
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		return nil, err
	}
	se := webrtc.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithSettingEngine(se)), nil
}
