package web

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	gws "github.com/gobwas/ws"

	"github.com/buergerbuero/buergerbuero/appliance/consultation"
	"github.com/buergerbuero/buergerbuero/appliance/reception"
)

// The streams speak RFC 6455 themselves on the hijacked connection:
// gobwas/ws answers the handshake and keeps nothing of the connection, the
// frames are written and parsed here (idleread.go). A waiting citizen's
// connection so holds no reader, writer or WebSocket object besides its
// TLS state (gorilla's Conn with its smallest buffers kept about 0.8 KiB
// per connection; see BENCHMARKS.md).
var wsUpgrader = gws.HTTPUpgrader{Timeout: writeWait}

const (
	writeWait  = 10 * time.Second
	pingPeriod = 30 * time.Second
	readLimit  = 4096
)

// Opcodes (RFC 6455 5.2) and close codes (7.4.1) the streams use.
const (
	opText  = 0x1
	opClose = 0x8
	opPing  = 0x9
	opPong  = 0xa

	closeNormal          = 1000
	closeProtocolError   = 1002
	closePolicyViolation = 1008
	closeMessageTooBig   = 1009
	// closeRestart asks clients to reconnect (1012 "service restart").
	closeRestart = 1012
)

// closeFrame is the payload of a close frame: code and reason.
func closeFrame(code int, reason string) []byte {
	return append(binary.BigEndian.AppendUint16(nil, uint16(code)), reason...)
}

// maxFrameHeader is the longest header of a server frame (unmasked).
const maxFrameHeader = 10

// frameAround turns buf, whose first maxFrameHeader bytes are reserved and
// whose rest is the payload, into a final frame of op and returns it.
func frameAround(buf []byte, op int) []byte {
	n := len(buf) - maxFrameHeader
	var h []byte
	switch {
	case n < 126:
		h = buf[maxFrameHeader-2 : maxFrameHeader]
		h[1] = byte(n)
	case n <= 0xffff:
		h = buf[maxFrameHeader-4 : maxFrameHeader]
		h[1] = 126
		binary.BigEndian.PutUint16(h[2:], uint16(n))
	default:
		h = buf[:maxFrameHeader]
		h[1] = 127
		binary.BigEndian.PutUint64(h[2:], uint64(n))
	}
	h[0] = 0x80 | byte(op)
	return buf[maxFrameHeader-len(h):]
}

// frameBufs hold frames while they are written: header room, then payload.
var frameBufs = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// upgrade answers r's WebSocket handshake on the hijacked connection. It
// returns bytes the client sent right after its handshake (early), which
// the stream's reader handles first. ok is false when the handshake was
// refused (the answer is written) or the connection is gone.
func (s *Server) upgrade(w http.ResponseWriter, r *http.Request) (conn net.Conn, early []byte, ok bool) {
	if !sameOrigin(r) {
		s.writeProblem(w, r, errCSRF)
		return nil, nil, false
	}
	conn, rw, _, err := wsUpgrader.Upgrade(r, w)
	if err != nil {
		if conn != nil {
			conn.Close()
		}
		return nil, nil, false
	}
	if n := rw.Reader.Buffered(); n > 0 {
		b, _ := rw.Reader.Peek(n)
		early = append([]byte(nil), b...)
	}
	return conn, early, true
}

// citizenConn is one waiting citizen's live connection. The hub hands it
// the newest view; a shared writer pool sends it, so a burst of queue
// changes costs one write per connection, not one goroutine.
type citizenConn struct {
	conn     net.Conn // hijacked from the HTTP server, usually a *tls.Conn
	pool     *writerPool
	pending  atomic.Pointer[reception.View]
	queued   atomic.Bool
	mu       sync.Mutex // serialises writes
	deadline int64      // of writes, Unix nanoseconds; guarded by mu
	idle     *idleConn  // when read by the idle reader; guarded by mu
}

func (c *citizenConn) idleConn() *idleConn {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.idle
}

// close ends the connection: for a watched one through its idle reader,
// which then runs the end of the stream (unsubscribe, grace period). The
// caller holds c.mu.
func (c *citizenConn) close() {
	if c.idle != nil {
		go c.idle.end()
		return
	}
	c.conn.Close()
}

func (c *citizenConn) Update(v reception.View) {
	c.pending.Store(&v)
	if c.queued.CompareAndSwap(false, true) {
		c.pool.enqueue(c)
	}
}

func (c *citizenConn) flush() {
	c.queued.Store(false)
	v := c.pending.Swap(nil)
	if v == nil {
		return
	}
	bp := frameBufs.Get().(*[]byte)
	*bp = appendTicketMessage((*bp)[:maxFrameHeader], v)
	c.writeFrame(frameAround(*bp, opText))
	putFrameBuf(bp)
}

// askReconnect tells the client that the server goes down and it should
// come back (close code 1012, "service restart"); the pages and the bridge
// reconnect, the waiting citizens keep their places.
func (c *citizenConn) askReconnect() error {
	return c.write(opClose, closeFrame(closeRestart, "restart"))
}

// write sends one frame of op with payload b.
func (c *citizenConn) write(op int, b []byte) error {
	bp := frameBufs.Get().(*[]byte)
	*bp = append((*bp)[:maxFrameHeader], b...)
	err := c.writeFrame(frameAround(*bp, op))
	putFrameBuf(bp)
	return err
}

func putFrameBuf(bp *[]byte) {
	if cap(*bp) <= 64<<10 { // a rare large message's buffer is not kept
		frameBufs.Put(bp)
	}
}

// writeFrame writes a whole frame in one write (one TLS record).
func (c *citizenConn) writeFrame(f []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	// the deadline is moved on only when half of it is used up: setting
	// it costs a timer update, and a fan-out writes to every connection
	if now := time.Now().UnixNano(); c.deadline-now < int64(writeWait/2) {
		c.deadline = now + int64(writeWait)
		c.conn.SetWriteDeadline(time.Unix(0, c.deadline))
	}
	_, err := c.conn.Write(f)
	if err != nil {
		c.close()
	}
	return err
}

// flusher is a connection with a pending update to write.
type flusher interface{ flush() }

// writerPool is a fixed set of goroutines writing pending updates.
type writerPool struct {
	work chan flusher
	wg   sync.WaitGroup
	once sync.Once
}

func newWriterPool(n int) *writerPool {
	p := &writerPool{work: make(chan flusher, 65536)}
	for range n {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			for c := range p.work {
				c.flush()
			}
		}()
	}
	return p
}

func (p *writerPool) enqueue(c flusher) { p.work <- c }

func (p *writerPool) close() {
	p.once.Do(func() { close(p.work) })
	p.wg.Wait()
}

// apiTicketEvents streams the citizen's own ticket: place, estimate,
// "you are being called", admission. The connection keeps the place; when
// it drops, the grace period starts.
func (s *Server) apiTicketEvents(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	v, err := s.rec.TicketView(r.Context(), id, ticketToken(r))
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	conn, early, ok := s.upgrade(w, r)
	if !ok {
		return
	}
	c := &citizenConn{conn: conn, pool: s.writer}
	// registered before anything else happens, so a shutdown that starts
	// now still finds the connection and sends it 1012
	if !s.track(c) {
		c.askReconnect()
		conn.Close()
		return
	}
	_, unsubscribe := s.rec.Hub.Subscribe(id, c)
	s.rec.Connected(r.Context(), id)
	s.watchIdle(c, early, func() {
		if unsubscribe() {
			s.rec.Disconnected(bgCtx(), id)
		}
	})
	c.Update(v)
}

// watchIdle hands a tracked connection whose client only answers pings
// and closes (a waiting citizen, an event viewer) to the idle reader
// (idleread.go): no goroutine waits on it; end runs once when it is over.
// early are bytes the client sent with its handshake.
func (s *Server) watchIdle(c *citizenConn, early []byte, end func()) {
	ic := &idleConn{c: c, raw: c.conn}
	ic.seen.Store(time.Now().UnixNano())
	ic.onEnd = func() {
		s.live.remove(c)
		end()
		s.conns.Done()
	}
	// under the write lock: a write that fails from now on ends the
	// connection through ic; one that failed before closed the socket,
	// and the reader below finds it closed and ends it
	c.mu.Lock()
	c.idle = ic
	c.mu.Unlock()
	if len(early) > 0 && !ic.consume(early) {
		ic.end()
		return
	}
	if !s.idle.watch(ic) {
		go ic.readLoop()
	}
}

// liveSet is the set of open connections read by the idle reader (waiting
// citizens, event viewers). One goroutine pings them all and, on
// shutdown, tells them to reconnect.
type liveSet struct {
	mu    sync.Mutex
	conns map[*citizenConn]struct{}
}

func (l *liveSet) add(c *citizenConn) {
	l.mu.Lock()
	if l.conns == nil {
		l.conns = map[*citizenConn]struct{}{}
	}
	l.conns[c] = struct{}{}
	l.mu.Unlock()
}

func (l *liveSet) remove(c *citizenConn) {
	l.mu.Lock()
	delete(l.conns, c)
	l.mu.Unlock()
}

func (l *liveSet) each(fn func(*citizenConn)) {
	l.mu.Lock()
	list := make([]*citizenConn, 0, len(l.conns))
	for c := range l.conns {
		list = append(list, c)
	}
	l.mu.Unlock()
	for _, c := range list {
		fn(c)
	}
}

// keepAlive pings every live citizen connection until shutdown, then asks
// each to reconnect (close code 1012).
func (s *Server) keepAlive() {
	t := time.NewTicker(pingPeriod)
	defer t.Stop()
	for {
		select {
		case <-s.shutdown:
			s.live.each(func(c *citizenConn) {
				c.askReconnect()
				if ic := c.idleConn(); ic != nil {
					go ic.end() // each records its grace period, in parallel
				} else {
					c.conn.Close()
				}
			})
			return
		case now := <-t.C:
			s.live.each(func(c *citizenConn) {
				if ic := c.idleConn(); ic != nil && ic.stale(now) {
					ic.end() // answered no ping for two periods
					return
				}
				c.write(opPing, nil)
			})
		}
	}
}

// wsOpen upgrades r to a WebSocket that shutdown waits for, and starts the
// reader every stream needs: clients send nothing but control frames, so
// it only answers pings and reports the end on closed. The caller calls
// s.conns.Done() and closes c.conn. ok is false when there is nothing to
// do (the upgrade failed, or the server is shutting down and said so).
func (s *Server) wsOpen(w http.ResponseWriter, r *http.Request) (c *citizenConn, closed <-chan struct{}, ok bool) {
	conn, early, ok := s.upgrade(w, r)
	if !ok {
		return nil, nil, false
	}
	c = &citizenConn{conn: conn, pool: s.writer}
	if !s.track(nil) {
		c.askReconnect()
		conn.Close()
		return nil, nil, false
	}
	done := make(chan struct{})
	ic := &idleConn{c: c, raw: conn, onEnd: func() { close(done) }}
	go func() {
		if len(early) > 0 && !ic.consume(early) {
			ic.end()
			return
		}
		ic.readLoop()
	}()
	return c, done, true
}

// streamEvents sends persistent stream events after since, as keep renders
// them (nil: not for this reader; stop: close the stream), waking on every
// commit, and the messages of ephemeral (nil: none; the room's laser
// pointers) as they come; used by the staff and room streams.
func (s *Server) streamEvents(w http.ResponseWriter, r *http.Request, since int64, initial [][]byte, ephemeral <-chan []byte, keep func(reception.Event) (b []byte, stop bool)) {
	c, closed, ok := s.wsOpen(w, r)
	if !ok {
		return
	}
	defer s.conns.Done()
	ping := time.NewTicker(pingPeriod)
	defer ping.Stop()
	defer c.conn.Close()
	for _, b := range initial {
		if c.write(opText, b) != nil {
			return
		}
	}
	for {
		wake := s.rec.Hub.EventsChanged()
		for {
			evs, err := s.rec.Events(r.Context(), since, 500)
			if err != nil {
				return
			}
			for _, e := range evs {
				since = e.Seq
				b, stop := keep(e)
				if stop {
					c.write(opClose, closeFrame(closeNormal, "ended"))
					return
				}
				if b != nil {
					if c.write(opText, b) != nil {
						return
					}
				}
			}
			if len(evs) < 500 {
				break
			}
		}
	wait:
		select {
		case <-wake:
		case b := <-ephemeral:
			if c.write(opText, b) != nil {
				return
			}
			goto wait // a pointer is no reason to look for new events
		case <-closed:
			return
		case <-s.shutdown:
			c.askReconnect()
			return
		case <-ping.C:
			if c.write(opPing, nil) != nil {
				return
			}
		}
	}
}

// eventJSON renders a stream event: {"seq","type",…payload fields}.
func eventJSON(e reception.Event) []byte {
	var body map[string]json.RawMessage
	json.Unmarshal(e.Payload, &body)
	if body == nil {
		body = map[string]json.RawMessage{}
	}
	body["seq"] = json.RawMessage(strconv.FormatInt(e.Seq, 10))
	t, _ := json.Marshal(e.Type)
	body["type"] = t
	b, _ := json.Marshal(body)
	return b
}

func (s *Server) apiStaffEvents(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r)
	// without ?since= the stream starts now; with it, everything after is replayed
	since, err := strconv.ParseInt(r.URL.Query().Get("since"), 10, 64)
	if err != nil {
		if since, err = s.rec.LastEventSeq(r.Context()); err != nil {
			s.writeProblem(w, r, err)
			return
		}
	}
	service := a.Via != ""
	if service {
		s.bridgeStreams.Inc()
		defer s.bridgeStreams.Dec()
	}
	s.streamEvents(w, r, since, nil, nil, func(e reception.Event) ([]byte, bool) {
		if service {
			s.bridgeEvents.Inc()
		}
		switch e.Type {
		case "ticket":
			return s.staffTicketEvent(r.Context(), a, e), false
		case "message":
			return s.staffMessageEvent(r.Context(), s.localizer(r), a, e), false
		case "whiteboard":
			return nil, false // for the room's own stream
		case reception.EventOffices, reception.EventClerk:
			return nil, false // for the other nodes (reception.Follow)
		default:
			return eventJSON(e), false
		}
	})
}

// apiRoomEvents streams a room's chat to its members: first the history
// after ?after=, then every new message, the whiteboard's operations and
// the others' laser pointers (not stored: only while connected).
func (s *Server) apiRoomEvents(w http.ResponseWriter, r *http.Request) {
	room, m, err := s.roomMember(r, r.PathValue("room"))
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	since, err := s.rec.LastEventSeq(r.Context())
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	if room.Kind == consultation.KindPermanent && s.opt.Permanent != nil {
		s.permanentRoomEvents(w, r, room, m, after) // permanent_ws.go
		return
	}
	msgs, err := s.rec.Rooms.Messages(r.Context(), room.ID, after)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	var initial [][]byte
	last := after
	l := s.localizer(r)
	for _, m := range msgs {
		b, _ := json.Marshal(map[string]any{"type": "message", "message": renderNotice(l, m)})
		initial = append(initial, b)
		last = m.Seq
	}
	pointers, stop := s.rec.Rooms.WatchPointers(room.ID, m)
	defer stop()
	s.streamEvents(w, r, since, initial, pointers, func(e reception.Event) ([]byte, bool) {
		return s.roomEvent(r.Context(), l, room.ID, m, e, &last)
	})
}

func bgCtx() context.Context { return context.Background() }
