package sfu

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"runtime/pprof"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

const (
	// writeTimeout bounds one signalling write; a client that cannot take
	// a message within it is disconnected.
	writeTimeout = 10 * time.Second
	// outQueue is the number of queued outgoing messages per connection.
	outQueue = 256
	// hardReadLimit multiplies MaxMessageBytes: up to it an oversized
	// message is drained and answered with an error, beyond it the
	// connection is closed.
	hardReadLimit = 16
)

var upgrader = websocket.Upgrader{
	ReadBufferSize: 4096, WriteBufferSize: 4096,
	// Admission is by token, never by cookie, so a foreign origin gains
	// nothing from opening the socket.
	CheckOrigin: func(*http.Request) bool { return true },
}

// signalConn is one signalling WebSocket: its reader runs in the HTTP
// handler's goroutine, its writer in one more goroutine.
type signalConn struct {
	s     *SFU
	ws    *websocket.Conn
	grant Grant
	out   chan []byte
	done  chan struct{}
	once  sync.Once
	peer  *peer // only touched by the reader
}

// Handler is the WebSocket JSON-RPC 2.0 endpoint (docs/signalling.md). The
// admission token comes as query parameter access_token or as
// "Authorization: Bearer".
func (s *SFU) Handler() http.Handler { return http.HandlerFunc(s.serveWS) }

func bearer(r *http.Request) string {
	if t := r.URL.Query().Get("access_token"); t != "" {
		return t
	}
	if h := r.Header.Get("Authorization"); len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// pprofLabel marks every goroutine a participant causes (signalling,
// PeerConnections, ICE, DTLS, SCTP, read loops), so profiles and the
// footprint benchmark can tell them from the rest of the process.
var pprofLabel = pprof.Labels("buergerbuero", "sfu-participant")

func (s *SFU) serveWS(w http.ResponseWriter, r *http.Request) {
	pprof.Do(r.Context(), pprofLabel, func(context.Context) { s.serveParticipant(w, r) })
}

func (s *SFU) serveParticipant(w http.ResponseWriter, r *http.Request) {
	token := bearer(r)
	if token == "" {
		http.Error(w, "admission token required", http.StatusUnauthorized)
		return
	}
	g, err := s.auth.Authorize(r.Context(), token)
	if err != nil || g.Role == RoleUnknown || g.Room == "" {
		http.Error(w, "admission token not accepted", http.StatusUnauthorized)
		return
	}
	if !g.Expires.IsZero() && time.Now().After(g.Expires) {
		http.Error(w, "admission token expired", http.StatusUnauthorized)
		return
	}
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &signalConn{s: s, ws: ws, grant: g, out: make(chan []byte, outQueue), done: make(chan struct{})}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = ws.Close()
		return
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		s.wg.Done()
	}()
	ws.SetReadLimit(s.cfg.MaxMessageBytes * hardReadLimit)
	wrote := make(chan struct{})
	go func() {
		defer close(wrote)
		c.writeLoop()
	}()
	c.readLoop()
	c.shutdown()
	if c.peer != nil {
		c.peer.close()
	}
	<-wrote
}

func (c *signalConn) readLoop() {
	max := c.s.cfg.MaxMessageBytes
	for {
		typ, rd, err := c.ws.NextReader()
		if err != nil {
			return
		}
		data, err := io.ReadAll(io.LimitReader(rd, max+1))
		if err != nil {
			return
		}
		if int64(len(data)) > max {
			if _, err := io.Copy(io.Discard, rd); err != nil {
				return
			}
			c.replyError(nullID, &rpcError{codeTooLarge, "message too large"})
			continue
		}
		if typ != websocket.TextMessage {
			c.replyError(nullID, &rpcError{codeInvalidRequest, "text messages only"})
			continue
		}
		c.handle(data)
	}
}

func (c *signalConn) writeLoop() {
	for {
		select {
		case <-c.done:
			_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
			_ = c.ws.Close()
			return
		case b := <-c.out:
			_ = c.ws.SetWriteDeadline(time.Now().Add(writeTimeout))
			if err := c.ws.WriteMessage(websocket.TextMessage, b); err != nil {
				c.shutdown()
			}
		}
	}
}

// shutdown ends the connection; the reader then closes the peer.
func (c *signalConn) shutdown() {
	c.once.Do(func() {
		close(c.done)
		_ = c.ws.NetConn().Close()
	})
}

func (c *signalConn) send(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		return
	}
	select {
	case <-c.done:
	case c.out <- b:
	default: // the client does not read: drop it rather than block media callbacks
		c.shutdown()
	}
}

func (c *signalConn) notify(method string, params any) {
	c.send(notification{JSONRPC: "2.0", Method: method, Params: params})
}

func (c *signalConn) reply(id json.RawMessage, result any) {
	if len(id) == 0 {
		return // notification: no response
	}
	c.send(response{JSONRPC: "2.0", ID: id, Result: result})
}

func (c *signalConn) replyError(id json.RawMessage, e *rpcError) {
	c.s.m.signalErrors.Inc()
	if len(id) == 0 {
		id = nullID
	}
	c.send(response{JSONRPC: "2.0", ID: id, Error: e})
}

// handle dispatches one request; see docs/signalling.md for the methods.
func (c *signalConn) handle(data []byte) {
	req, e := parseRequest(data)
	if e == nil {
		e = c.dispatch(req)
	}
	if e != nil {
		c.replyError(req.ID, e)
	}
}

// methods are the JSON-RPC methods a client may call.
var methods = map[string]bool{"join": true, "offer": true, "answer": true, "trickle": true, "layer": true, "streamKind": true, "restartIce": true}

func (c *signalConn) dispatch(req request) *rpcError {
	if !methods[req.Method] {
		return &rpcError{codeMethodNotFound, "method not found"}
	}
	if req.Method != "join" && c.peer == nil {
		return &rpcError{codeState, "join first"}
	}
	switch req.Method {
	case "join":
		return c.join(req)
	case "offer":
		var p negotiationParams
		if e := decodeParams(req.Params, &p); e != nil {
			return e
		}
		ans, err := c.peer.answer(p.Desc)
		defer c.peer.releaseCandidates(targetPublisher)
		if err != nil {
			return opError(err)
		}
		c.reply(req.ID, ans)
	case "answer":
		var p negotiationParams
		if e := decodeParams(req.Params, &p); e != nil {
			return e
		}
		if err := c.peer.answerSubscriber(p.Desc); err != nil {
			return opError(err)
		}
		c.reply(req.ID, true)
	case "trickle":
		var p trickleParams
		if e := decodeParams(req.Params, &p); e != nil {
			return e
		}
		if err := c.peer.trickle(p.Target, p.Candidate); err != nil {
			return opError(err)
		}
		c.reply(req.ID, true)
	case "layer":
		var p layerParams
		if e := decodeParams(req.Params, &p); e != nil {
			return e
		}
		c.peer.setLayer(p.StreamID, p.Layer)
		c.reply(req.ID, true)
	case "streamKind":
		var p streamKindParams
		if e := decodeParams(req.Params, &p); e != nil {
			return e
		}
		if p.Kind == "screen" {
			if c.grant.Withhold&KindScreen != 0 {
				return &rpcError{codeForbidden, "this participant may not share a screen"}
			}
			c.peer.markScreen(p.StreamID)
		}
		c.reply(req.ID, true)
	case "restartIce":
		c.peer.requestNegotiation(true)
		c.reply(req.ID, true)
	default:
		return &rpcError{codeMethodNotFound, "method not found"}
	}
	return nil
}

func (c *signalConn) join(req request) *rpcError {
	if c.peer != nil {
		return &rpcError{codeState, "already joined"}
	}
	var p joinParams
	if e := decodeParams(req.Params, &p); e != nil {
		return e
	}
	if p.SID != c.grant.Room {
		return &rpcError{codeForbidden, "token not valid for this room"}
	}
	if p.Offer.Type != webrtc.SDPTypeOffer || !parsableSDP(p.Offer.SDP) {
		return &rpcError{codeInvalidParams, "offer required"}
	}
	allowed := func(k webrtc.RTPCodecType) bool { return !p.Config.NoPublish && c.s.mayPublish(c.grant, k) }
	if err := refusePublishing(p.Offer.SDP, allowed); err != nil {
		return opError(err)
	}
	if err := refuseWithheld(p.Offer.SDP, c.grant.Withhold, nil); err != nil {
		return opError(err)
	}
	r, err := c.s.roomFor(p.SID)
	if err != nil {
		return opError(err)
	}
	pr, err := newPeer(c.s, r, c.grant, p.UID, p.Config, c.notify, c.shutdown)
	if err != nil {
		c.s.releaseRoom(r)
		return opError(err)
	}
	if !r.join(pr) {
		pr.closeUnjoined()
		return &rpcError{codeState, "room closed"}
	}
	c.peer = pr
	ans, err := pr.answer(p.Offer)
	defer pr.releaseCandidates(targetPublisher)
	if err != nil {
		c.peer = nil
		pr.hangup = func() {} // keep the socket: the client may try again
		pr.close()
		return opError(err)
	}
	c.reply(req.ID, ans)
	return nil
}

func opError(err error) *rpcError {
	switch {
	case errors.Is(err, errViewerPublish):
		return &rpcError{codeForbidden, err.Error()}
	case errors.Is(err, ErrClosed), errors.Is(err, errNoSubscriber):
		return &rpcError{codeState, err.Error()}
	}
	return &rpcError{codeServer, err.Error()}
}

func parsableSDP(raw string) bool {
	var d sdp.SessionDescription
	return raw != "" && d.UnmarshalString(raw) == nil
}
