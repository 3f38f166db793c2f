package reception

import (
	"slices"
	"sync"
)

// queue is the in-memory picture of all active tickets, rebuilt from the
// store at start and updated after every committed change. It answers
// "which place" for thousands of waiting citizens without a query each.
type queue struct {
	mu     sync.RWMutex
	active map[string]*Ticket   // queued, called or in consultation
	byOff  map[string][]*Ticket // queued tickets per office, in order
}

func newQueue() *queue {
	return &queue{active: map[string]*Ticket{}, byOff: map[string][]*Ticket{}}
}

func less(a, b *Ticket) int {
	if c := a.KnockedAt.Compare(b.KnockedAt); c != 0 {
		return c
	}
	switch {
	case a.ID < b.ID:
		return -1
	case a.ID > b.ID:
		return 1
	}
	return 0
}

// load replaces the contents with ts.
func (q *queue) load(ts []Ticket) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.active = map[string]*Ticket{}
	q.byOff = map[string][]*Ticket{}
	for i := range ts {
		t := ts[i]
		q.active[t.ID] = &t
		if t.State.Queued() {
			q.byOff[t.OfficeID] = append(q.byOff[t.OfficeID], &t)
		}
	}
	for _, l := range q.byOff {
		slices.SortFunc(l, less)
	}
}

// apply records a committed change; it returns the offices whose queue changed.
func (q *queue) apply(t Ticket, fromOffice string) []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	offices := []string{t.OfficeID}
	if fromOffice != "" && fromOffice != t.OfficeID {
		offices = append(offices, fromOffice)
	}
	if old, ok := q.active[t.ID]; ok && old.OfficeID != t.OfficeID && !slices.Contains(offices, old.OfficeID) {
		offices = append(offices, old.OfficeID)
	}
	for _, o := range offices {
		q.byOff[o] = slices.DeleteFunc(q.byOff[o], func(x *Ticket) bool { return x.ID == t.ID })
	}
	if t.State.Final() {
		delete(q.active, t.ID)
		return offices
	}
	c := t
	c.Notes = nil
	q.active[t.ID] = &c
	if t.State.Queued() {
		l := q.byOff[t.OfficeID]
		i, _ := slices.BinarySearchFunc(l, &c, less)
		q.byOff[t.OfficeID] = slices.Insert(l, i, &c)
	}
	return offices
}

// place returns the 1-based place of a queued ticket (0 if not queued).
func (q *queue) place(id string) int {
	q.mu.RLock()
	defer q.mu.RUnlock()
	t, ok := q.active[id]
	if !ok || !t.State.Queued() {
		return 0
	}
	l := q.byOff[t.OfficeID]
	i, found := slices.BinarySearchFunc(l, t, less)
	if !found {
		return 0
	}
	return i + 1
}

// get returns a copy of an active ticket.
func (q *queue) get(id string) (Ticket, bool) {
	q.mu.RLock()
	defer q.mu.RUnlock()
	t, ok := q.active[id]
	if !ok {
		return Ticket{}, false
	}
	return *t, true
}

// waiting returns copies of an office's queued tickets in order.
func (q *queue) waiting(office string) []Ticket {
	q.mu.RLock()
	defer q.mu.RUnlock()
	out := make([]Ticket, len(q.byOff[office]))
	for i, t := range q.byOff[office] {
		out[i] = *t
	}
	return out
}

// count returns the number of an office's queued tickets.
func (q *queue) count(office string) int {
	q.mu.RLock()
	defer q.mu.RUnlock()
	return len(q.byOff[office])
}

// busy counts an office's tickets that are called or in consultation, and
// returns the active ticket of a clerk (if any).
func (q *queue) busy(office string) int {
	q.mu.RLock()
	defer q.mu.RUnlock()
	n := 0
	for _, t := range q.active {
		if t.OfficeID == office && !t.State.Queued() {
			n++
		}
	}
	return n
}

// clerkActive returns the ticket a clerk is currently handling.
func (q *queue) clerkActive(login string) (Ticket, bool) {
	q.mu.RLock()
	defer q.mu.RUnlock()
	for _, t := range q.active {
		if t.Clerk == login && !t.State.Queued() {
			return *t, true
		}
	}
	return Ticket{}, false
}

// all returns copies of all active tickets.
func (q *queue) all() []Ticket {
	q.mu.RLock()
	defer q.mu.RUnlock()
	out := make([]Ticket, 0, len(q.active))
	for _, t := range q.active {
		out = append(out, *t)
	}
	return out
}
