package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/buergerbuero/buergerbuero/appliance/consultation"
	"github.com/buergerbuero/buergerbuero/appliance/reception"
)

// Small buffers and a shared write-buffer pool keep a waiting citizen's
// connection at a few KiB (see BENCHMARKS.md).
var upgrader = websocket.Upgrader{
	ReadBufferSize:  256,
	WriteBufferSize: 1024,
	WriteBufferPool: &sync.Pool{},
	CheckOrigin:     func(r *http.Request) bool { return sameOrigin(r) },
}

const (
	writeWait  = 10 * time.Second
	pingPeriod = 30 * time.Second
	readLimit  = 4096
	// closeRestart asks clients to reconnect (RFC 6455 1012 "service restart").
	closeRestart = 1012
)

// citizenConn is one waiting citizen's live connection. The hub hands it
// the newest view; a shared writer pool sends it, so a burst of queue
// changes costs one write per connection, not one goroutine.
type citizenConn struct {
	ws       *websocket.Conn
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
	c.ws.Close()
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
	bp := messageBufs.Get().(*[]byte)
	*bp = appendTicketMessage((*bp)[:0], v)
	c.write(websocket.TextMessage, *bp)
	messageBufs.Put(bp)
}

var messageBufs = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

func (c *citizenConn) write(kind int, b []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	// the deadline is moved on only when half of it is used up: setting
	// it costs a timer update, and a fan-out writes to every connection
	if now := time.Now().UnixNano(); c.deadline-now < int64(writeWait/2) {
		c.deadline = now + int64(writeWait)
		c.ws.SetWriteDeadline(time.Unix(0, c.deadline))
	}
	err := c.ws.WriteMessage(kind, b)
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
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &citizenConn{ws: ws, pool: s.writer}
	// registered before anything else happens, so a shutdown that starts
	// now still finds the connection and sends it 1012
	if !s.track(c) {
		ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(closeRestart, "restart"))
		ws.Close()
		return
	}
	_, unsubscribe := s.rec.Hub.Subscribe(id, c)
	s.rec.Connected(r.Context(), id)
	s.watchIdle(c, func() {
		if unsubscribe() {
			s.rec.Disconnected(bgCtx(), id)
		}
	})
	c.Update(v)
}

// watchIdle hands a tracked connection whose client only answers pings
// and closes (a waiting citizen, an event viewer) to the idle reader
// (idleread.go): no goroutine waits on it; end runs once when it is over.
func (s *Server) watchIdle(c *citizenConn, end func()) {
	ic := &idleConn{c: c, raw: c.ws.UnderlyingConn()}
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
				c.write(websocket.CloseMessage, websocket.FormatCloseMessage(closeRestart, "restart"))
				if ic := c.idleConn(); ic != nil {
					go ic.end() // each records its grace period, in parallel
				} else {
					c.ws.Close()
				}
			})
			return
		case now := <-t.C:
			s.live.each(func(c *citizenConn) {
				if ic := c.idleConn(); ic != nil && ic.stale(now) {
					ic.end() // answered no ping for two periods
					return
				}
				c.write(websocket.PingMessage, nil)
			})
		}
	}
}

// wsOpen upgrades r to a WebSocket that shutdown waits for, and starts the
// reader every stream needs: clients send nothing but control frames, so
// it only answers pings and reports the end on closed. The caller calls
// s.conns.Done() and closes ws. ok is false when there is nothing to do
// (the upgrade failed, or the server is shutting down and said so).
func (s *Server) wsOpen(w http.ResponseWriter, r *http.Request) (ws *websocket.Conn, closed <-chan struct{}, ok bool) {
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return nil, nil, false
	}
	if !s.track(nil) {
		ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(closeRestart, "restart"))
		ws.Close()
		return nil, nil, false
	}
	done := make(chan struct{})
	go func() {
		ws.SetReadLimit(readLimit)
		for {
			if _, _, err := ws.ReadMessage(); err != nil {
				close(done)
				return
			}
		}
	}()
	return ws, done, true
}

// streamEvents sends persistent stream events after since, as keep renders
// them (nil: not for this reader; stop: close the stream), waking on every
// commit, and the messages of ephemeral (nil: none; the room's laser
// pointers) as they come; used by the staff and room streams.
func (s *Server) streamEvents(w http.ResponseWriter, r *http.Request, since int64, initial [][]byte, ephemeral <-chan []byte, keep func(reception.Event) (b []byte, stop bool)) {
	ws, closed, ok := s.wsOpen(w, r)
	if !ok {
		return
	}
	defer s.conns.Done()
	c := &citizenConn{ws: ws, pool: s.writer}
	ping := time.NewTicker(pingPeriod)
	defer ping.Stop()
	defer ws.Close()
	for _, b := range initial {
		if c.write(websocket.TextMessage, b) != nil {
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
					c.write(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "ended"))
					return
				}
				if b != nil {
					if c.write(websocket.TextMessage, b) != nil {
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
			if c.write(websocket.TextMessage, b) != nil {
				return
			}
			goto wait // a pointer is no reason to look for new events
		case <-closed:
			return
		case <-s.shutdown:
			c.write(websocket.CloseMessage, websocket.FormatCloseMessage(closeRestart, "restart"))
			return
		case <-ping.C:
			if c.write(websocket.PingMessage, nil) != nil {
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
