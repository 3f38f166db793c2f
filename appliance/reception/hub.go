package reception

import (
	"sync"
)

// Subscriber is a live connection watching one ticket. Update must not
// block: connections keep only the newest view and write it out themselves.
type Subscriber interface {
	Update(v View)
}

// Hub fans out ticket views to live connections and wakes staff event
// streams when new events were committed.
type Hub struct {
	mu   sync.RWMutex
	subs map[string]map[Subscriber]struct{}

	evMu   sync.Mutex
	evWake chan struct{}
	closed bool
}

// NewHub returns an empty hub.
func NewHub() *Hub {
	return &Hub{subs: map[string]map[Subscriber]struct{}{}, evWake: make(chan struct{})}
}

// Subscribe registers a connection for a ticket; call the returned function
// when the connection closes. It reports whether this is the ticket's first
// live connection.
func (h *Hub) Subscribe(ticketID string, s Subscriber) (first bool, unsubscribe func() (last bool)) {
	h.mu.Lock()
	m := h.subs[ticketID]
	if m == nil {
		m = map[Subscriber]struct{}{}
		h.subs[ticketID] = m
	}
	first = len(m) == 0
	m[s] = struct{}{}
	h.mu.Unlock()
	return first, func() bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		delete(m, s)
		if len(m) == 0 {
			delete(h.subs, ticketID)
			return true
		}
		return false
	}
}

// Watched reports whether a ticket has a live connection.
func (h *Hub) Watched(ticketID string) bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.subs[ticketID]) > 0
}

// Count returns the number of live citizen connections.
func (h *Hub) Count() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	n := 0
	for _, m := range h.subs {
		n += len(m)
	}
	return n
}

func (h *Hub) deliver(ticketID string, v View) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for s := range h.subs[ticketID] {
		s.Update(v)
	}
}

// EventsChanged returns a channel that is closed when new events were
// committed (or the hub is shut down).
func (h *Hub) EventsChanged() <-chan struct{} {
	h.evMu.Lock()
	defer h.evMu.Unlock()
	return h.evWake
}

func (h *Hub) wakeEvents() {
	h.evMu.Lock()
	defer h.evMu.Unlock()
	if h.closed {
		return
	}
	close(h.evWake)
	h.evWake = make(chan struct{})
}

// Shutdown wakes every event stream for good.
func (h *Hub) Shutdown() {
	h.evMu.Lock()
	defer h.evMu.Unlock()
	if !h.closed {
		h.closed = true
		close(h.evWake)
	}
}
