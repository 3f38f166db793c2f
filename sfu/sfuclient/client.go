// Package sfuclient is an over-the-wire client of ion-sfu's JSON-RPC
// signalling, as ion-sdk-js speaks it: a publisher PeerConnection the
// client offers on and a subscriber PeerConnection the SFU offers on, over
// one WebSocket. The SFU's tests and bench/sfucap drive our SFU and the
// ion-sfu baseline with it. It defines its own wire types (it does not
// import package sfu), so the tests check the server against an
// independent reading of the protocol (docs/signalling.md). A Client owns
// its WebSocket and both PeerConnections.
package sfuclient

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/gorilla/websocket"
	"github.com/pion/webrtc/v4"
)

// Transport targets of the trickle method (ion-sfu numbering).
const (
	TargetPublisher  = 0
	TargetSubscriber = 1
)

// RPCError is a JSON-RPC error answer.
type RPCError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (e *RPCError) Error() string { return e.Message }

type reply struct {
	Result json.RawMessage `json:"result"`
	Error  *RPCError       `json:"error"`
}

type trickle struct {
	Target    int                     `json:"target"`
	Candidate webrtc.ICECandidateInit `json:"candidate"`
}

// Options configure Dial.
type Options struct {
	// Config is used for both PeerConnections (ICE servers, policy).
	Config webrtc.Configuration
	// Header is sent with the WebSocket handshake.
	Header http.Header
	// Dialer opens the signalling WebSocket (TLS settings); nil is
	// websocket.DefaultDialer.
	Dialer *websocket.Dialer
	// OnNotice receives the server's notifications other than offer and
	// trickle, and error answers to nothing we asked, as method "error".
	// It runs on the reading goroutine and must not block.
	OnNotice func(method string, params json.RawMessage)
	// OnOfferError reports a subscriber offer that could not be answered
	// (not called once Close has begun: the SFU then closes the
	// transports, so an offer being answered may fail).
	OnOfferError func(error)
}

// Client is one participant.
type Client struct {
	WS       *websocket.Conn
	Pub, Sub *webrtc.PeerConnection

	opts      Options
	wmu       sync.Mutex
	nextID    atomic.Int64
	mu        sync.Mutex
	calls     map[string]chan reply
	held      [2][]webrtc.ICECandidateInit
	remote    [2]bool
	done      chan struct{}
	closing   atomic.Bool
	closeOnce sync.Once
}

// Dial connects the signalling socket at url and creates the publisher
// (from pubAPI) and subscriber (from subAPI) transports. Add tracks to Pub,
// set Sub.OnTrack, then call Join.
func Dial(pubAPI, subAPI *webrtc.API, url string, o Options) (*Client, error) {
	d := o.Dialer
	if d == nil {
		d = websocket.DefaultDialer
	}
	ws, _, err := d.Dial(url, o.Header)
	if err != nil {
		return nil, err
	}
	c := &Client{WS: ws, opts: o, calls: map[string]chan reply{}, done: make(chan struct{})}
	if c.Pub, err = pubAPI.NewPeerConnection(o.Config); err != nil {
		_ = ws.Close()
		return nil, err
	}
	if c.Sub, err = subAPI.NewPeerConnection(o.Config); err != nil {
		_ = ws.Close()
		_ = c.Pub.Close()
		return nil, err
	}
	for target, pc := range []*webrtc.PeerConnection{c.Pub, c.Sub} {
		pc.OnICECandidate(func(cand *webrtc.ICECandidate) {
			if cand != nil {
				c.Notify("trickle", trickle{Target: target, Candidate: cand.ToJSON()})
			}
		})
	}
	go c.readLoop()
	return c, nil
}

// Done is closed when the signalling connection has ended.
func (c *Client) Done() <-chan struct{} { return c.done }

// Closing reports whether Close has begun.
func (c *Client) Closing() bool { return c.closing.Load() }

func (c *Client) send(v any) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.WS.WriteJSON(v)
}

// Notify sends like ion-sdk-js: no "jsonrpc" member, no id.
func (c *Client) Notify(method string, params any) {
	_ = c.send(map[string]any{"method": method, "params": params})
}

// Call sends a request and waits for its answer; an error answer is an
// *RPCError.
func (c *Client) Call(method string, params any) (json.RawMessage, error) {
	id := strconv.FormatInt(c.nextID.Add(1), 10)
	ch := make(chan reply, 1)
	c.mu.Lock()
	c.calls[`"`+id+`"`] = ch
	c.mu.Unlock()
	if err := c.send(map[string]any{"method": method, "params": params, "id": id}); err != nil {
		return nil, err
	}
	select {
	case r := <-ch:
		if r.Error != nil {
			return nil, r.Error
		}
		return r.Result, nil
	case <-c.done:
		return nil, fmt.Errorf("connection closed during %s", method)
	}
}

func (c *Client) readLoop() {
	defer close(c.done)
	for {
		var msg struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
			Params json.RawMessage `json:"params"`
			reply
		}
		if err := c.WS.ReadJSON(&msg); err != nil {
			return
		}
		switch msg.Method {
		case "":
			c.mu.Lock()
			ch := c.calls[string(msg.ID)]
			delete(c.calls, string(msg.ID))
			c.mu.Unlock()
			if ch != nil {
				ch <- msg.reply
			} else if msg.Error != nil {
				c.notice("error", msg.Params)
			}
		case "offer":
			if err := c.answerOffer(msg.Params); err != nil && !c.closing.Load() && c.opts.OnOfferError != nil {
				c.opts.OnOfferError(err)
			}
		case "trickle":
			var tp trickle
			if json.Unmarshal(msg.Params, &tp) == nil && (tp.Target == TargetPublisher || tp.Target == TargetSubscriber) {
				c.addRemoteCandidate(tp.Target, tp.Candidate)
			}
		default:
			c.notice(msg.Method, msg.Params)
		}
	}
}

func (c *Client) notice(method string, params json.RawMessage) {
	if c.opts.OnNotice != nil {
		c.opts.OnNotice(method, params)
	}
}

// answerOffer answers a subscriber offer (ion-sfu sends the description
// itself as params).
func (c *Client) answerOffer(raw json.RawMessage) error {
	var offer webrtc.SessionDescription
	if err := json.Unmarshal(raw, &offer); err != nil {
		return err
	}
	if err := c.Sub.SetRemoteDescription(offer); err != nil {
		return err
	}
	c.flush(TargetSubscriber)
	ans, err := c.Sub.CreateAnswer(nil)
	if err == nil {
		err = c.Sub.SetLocalDescription(ans)
	}
	if err != nil {
		return err
	}
	c.Notify("answer", map[string]any{"desc": *c.Sub.LocalDescription()})
	return nil
}

// addRemoteCandidate adds a trickled candidate, holding it until the
// transport has its remote description.
func (c *Client) addRemoteCandidate(target int, cand webrtc.ICECandidateInit) {
	c.mu.Lock()
	if !c.remote[target] {
		c.held[target] = append(c.held[target], cand)
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	_ = c.pc(target).AddICECandidate(cand)
}

func (c *Client) flush(target int) {
	c.mu.Lock()
	c.remote[target] = true
	held := c.held[target]
	c.held[target] = nil
	c.mu.Unlock()
	for _, cand := range held {
		_ = c.pc(target).AddICECandidate(cand)
	}
}

func (c *Client) pc(target int) *webrtc.PeerConnection {
	if target == TargetPublisher {
		return c.Pub
	}
	return c.Sub
}

// Join offers the publisher transport (with a data channel if nothing
// else is on it) and joins room sid as uid.
func (c *Client) Join(sid, uid string) error {
	if len(c.Pub.GetTransceivers()) == 0 {
		if _, err := c.Pub.CreateDataChannel("chat", nil); err != nil {
			return err
		}
	}
	if c.Pub.SignalingState() != webrtc.SignalingStateHaveLocalOffer {
		offer, err := c.Pub.CreateOffer(nil)
		if err != nil {
			return err
		}
		if err := c.Pub.SetLocalDescription(offer); err != nil {
			return err
		}
	}
	res, err := c.Call("join", map[string]any{"sid": sid, "uid": uid, "offer": *c.Pub.LocalDescription()})
	if err != nil {
		return err
	}
	var ans webrtc.SessionDescription
	if err := json.Unmarshal(res, &ans); err != nil {
		return err
	}
	if err := c.Pub.SetRemoteDescription(ans); err != nil {
		return err
	}
	c.flush(TargetPublisher)
	return nil
}

// Close leaves: it closes the signalling socket, waits for the reader,
// and closes both transports. Safe to call more than once.
func (c *Client) Close() {
	c.closeOnce.Do(func() {
		c.closing.Store(true)
		_ = c.WS.Close()
		<-c.done
		_ = c.Pub.Close()
		_ = c.Sub.Close()
	})
}

// Renegotiate offers the publisher transport again (after adding or
// removing tracks, e.g. when brought on stage) and applies the answer.
func (c *Client) Renegotiate() error {
	offer, err := c.Pub.CreateOffer(nil)
	if err != nil {
		return err
	}
	if err := c.Pub.SetLocalDescription(offer); err != nil {
		return err
	}
	res, err := c.Call("offer", map[string]any{"desc": *c.Pub.LocalDescription()})
	if err != nil {
		// back to stable, so the client can go on receiving and try again
		_ = c.Pub.SetLocalDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeRollback})
		return err
	}
	var ans webrtc.SessionDescription
	if err := json.Unmarshal(res, &ans); err != nil {
		return err
	}
	return c.Pub.SetRemoteDescription(ans)
}
