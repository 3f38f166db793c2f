package web

import (
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/buergerbuero/buergerbuero/appliance/events"
)

// eventConn is one viewer's or moderator's live connection to an event.
// The events hub renders each change once (events.State, marshalled once
// per audience); the connection keeps only the newest and the shared
// writer pool sends it, so many viewers cost no query and no goroutine
// each beyond the reader.
type eventConn struct {
	citizenConn
	moderator bool
	state     atomic.Pointer[events.State]
}

func (c *eventConn) Update(st *events.State) {
	c.state.Store(st)
	if c.queued.CompareAndSwap(false, true) {
		c.pool.enqueue(c)
	}
}

func (c *eventConn) flush() {
	c.queued.Store(false)
	st := c.state.Swap(nil)
	if st == nil {
		return
	}
	b := st.PublicJSON()
	if c.moderator {
		b = st.ModerationJSON()
	}
	c.write(opText, b)
}

// apiEventStream: viewers and external speakers (stream key) follow an
// event's public state: approved questions, stage, hands, status.
func (s *Server) apiEventStream(w http.ResponseWriter, r *http.Request) {
	if !s.eventsOn(w, r) {
		return
	}
	id := r.PathValue("id")
	if _, err := s.opt.Events.Session(r.Context(), id, ticketToken(r)); err != nil {
		s.writeProblem(w, r, err)
		return
	}
	s.eventStream(w, r, id, false)
}

// apiStaffEventStream: moderators follow the event with its moderation
// queue and the raised hands.
func (s *Server) apiStaffEventStream(w http.ResponseWriter, r *http.Request) {
	if !s.eventsOn(w, r) {
		return
	}
	if _, err := s.opt.Events.Moderated(r.Context(), actorOf(r).Clerk, r.PathValue("id")); err != nil {
		s.writeProblem(w, r, err)
		return
	}
	s.eventStream(w, r, r.PathValue("id"), true)
}

func (s *Server) eventStream(w http.ResponseWriter, r *http.Request, id string, moderator bool) {
	conn, early, ok := s.upgrade(w, r)
	if !ok {
		return
	}
	c := &eventConn{citizenConn: citizenConn{conn: conn, pool: s.writer}, moderator: moderator}
	if !s.track(&c.citizenConn) {
		c.askReconnect()
		conn.Close()
		return
	}
	unsubscribe, err := s.opt.Events.Hub.Subscribe(r.Context(), id, c)
	if err != nil {
		s.live.remove(&c.citizenConn)
		conn.Close()
		s.conns.Done()
		return
	}
	// a viewer sends nothing but pongs and its close: a press conference's
	// thousands of viewers cost no goroutine each (idleread.go)
	s.watchIdle(&c.citizenConn, early, unsubscribe)
}

// mayStreamEvent checks a viewer's access to /api/v1/events/{id}/stream.
func (s *Server) mayStreamEvent(r *http.Request, path string) (bool, error) {
	rest, ok := strings.CutPrefix(path, "/api/v1/events/")
	if !ok || s.opt.Events == nil {
		return false, nil
	}
	id, tail, _ := strings.Cut(rest, "/")
	if tail != "stream" || id == "" {
		return false, nil
	}
	_, err := s.opt.Events.Session(r.Context(), id, ticketToken(r))
	return true, err
}
