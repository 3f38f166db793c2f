package reception

import (
	"slices"
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
	mu sync.RWMutex
	// a ticket has one live connection almost always (a second tab, a
	// reconnect that overlaps the old one): a short slice, not a map,
	// costs a waiting citizen a few bytes instead of a few hundred
	subs map[string][]Subscriber

	evMu   sync.Mutex
	evWake chan struct{}
	closed bool
}

// NewHub returns an empty hub.
func NewHub() *Hub {
	return &Hub{subs: map[string][]Subscriber{}, evWake: make(chan struct{})}
}

// Subscribe registers a connection for a ticket; call the returned function
// when the connection closes. It reports whether this is the ticket's first
// live connection.
func (h *Hub) Subscribe(ticketID string, s Subscriber) (first bool, unsubscribe func() (last bool)) {
	h.mu.Lock()
	first = len(h.subs[ticketID]) == 0
	h.subs[ticketID] = append(h.subs[ticketID], s)
	h.mu.Unlock()
	return first, func() bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		list := h.subs[ticketID]
		if i := slices.Index(list, s); i >= 0 {
			list = slices.Delete(list, i, i+1)
		}
		if len(list) == 0 {
			delete(h.subs, ticketID)
			return true
		}
		h.subs[ticketID] = list
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
	for _, list := range h.subs {
		n += len(list)
	}
	return n
}

func (h *Hub) deliver(ticketID string, v View) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for _, s := range h.subs[ticketID] {
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
