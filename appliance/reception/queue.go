package reception

import (
	"slices"
	"sync"
	"time"
)

// queue is the in-memory picture of all active tickets, rebuilt from the
// store at start and updated after every committed change. It answers
// "which place" for thousands of waiting citizens without a query each.
//
// Stored tickets are copies that are never modified after insertion, so
// slices of pointers may be handed out and read without the lock.
type queue struct {
	mu      sync.RWMutex
	active  map[string]*Ticket         // queued, called or in consultation
	byOff   map[string][]*Ticket       // queued tickets per office, in order
	busyOff map[string]map[string]bool // office → tickets called or in consultation
	byClerk map[string]string          // clerk → the ticket they handle
	// seqs: ticket → sequence number of the newest change applied, kept
	// only while the service follows other nodes (follow.go), so a change
	// read back late cannot overwrite a newer one.
	seqs map[string]int64
}

func newQueue() *queue {
	return &queue{active: map[string]*Ticket{}, byOff: map[string][]*Ticket{}, busyOff: map[string]map[string]bool{}, byClerk: map[string]string{}}
}

func (q *queue) index(t *Ticket) {
	if t.State == StateCalled || t.State == StateInConsultation {
		m := q.busyOff[t.OfficeID]
		if m == nil {
			m = map[string]bool{}
			q.busyOff[t.OfficeID] = m
		}
		m[t.ID] = true
		if t.Clerk != "" {
			q.byClerk[t.Clerk] = t.ID
		}
	}
}

func (q *queue) unindex(t *Ticket) {
	delete(q.busyOff[t.OfficeID], t.ID)
	if t.Clerk != "" && q.byClerk[t.Clerk] == t.ID {
		delete(q.byClerk, t.Clerk)
	}
}

// less orders a queue: booked appointments first, by slot time, then
// everybody else by knock time.
func less(a, b *Ticket) int {
	if ab, bb := !a.AppointmentAt.IsZero(), !b.AppointmentAt.IsZero(); ab != bb {
		if ab {
			return -1
		}
		return 1
	} else if ab {
		if c := a.AppointmentAt.Compare(b.AppointmentAt); c != 0 {
			return c
		}
	}
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
	q.busyOff = map[string]map[string]bool{}
	q.byClerk = map[string]string{}
	for i := range ts {
		t := ts[i]
		q.active[t.ID] = &t
		q.index(&t)
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
	return q.applyLocked(t, fromOffice)
}

// applyAt records the change with event sequence number seq unless a
// change with a higher number was applied to the ticket already; ok
// reports whether it was applied.
func (q *queue) applyAt(t Ticket, fromOffice string, seq int64) (offices []string, ok bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.seqs != nil && seq > 0 {
		if seq < q.seqs[t.ID] {
			return nil, false
		}
		q.seqs[t.ID] = seq
	}
	return q.applyLocked(t, fromOffice), true
}

// track starts keeping sequence numbers per ticket (see seqs).
func (q *queue) track() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.seqs == nil {
		q.seqs = map[string]int64{}
	}
}

// forget drops the sequence numbers up to seq: the follower has read past
// them, so any change it reads later is newer.
func (q *queue) forget(seq int64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for id, s := range q.seqs {
		if s <= seq {
			delete(q.seqs, id)
		}
	}
}

func (q *queue) applyLocked(t Ticket, fromOffice string) []string {
	offices := []string{t.OfficeID}
	if fromOffice != "" && fromOffice != t.OfficeID {
		offices = append(offices, fromOffice)
	}
	if old, ok := q.active[t.ID]; ok {
		if old.OfficeID != t.OfficeID && !slices.Contains(offices, old.OfficeID) {
			offices = append(offices, old.OfficeID)
		}
		q.unindex(old)
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
	q.index(&c)
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

// waiting returns an office's queued tickets in order (read-only).
func (q *queue) waiting(office string) []*Ticket {
	q.mu.RLock()
	defer q.mu.RUnlock()
	return slices.Clone(q.byOff[office])
}

// count returns the number of an office's queued tickets.
func (q *queue) count(office string) int {
	q.mu.RLock()
	defer q.mu.RUnlock()
	return len(q.byOff[office])
}

// busy counts an office's tickets that are called or in consultation.
func (q *queue) busy(office string) int {
	q.mu.RLock()
	defer q.mu.RUnlock()
	return len(q.busyOff[office])
}

// consulting returns an office's tickets that are called or in
// consultation (read-only).
func (q *queue) consulting(office string) []*Ticket {
	q.mu.RLock()
	defer q.mu.RUnlock()
	out := make([]*Ticket, 0, len(q.busyOff[office]))
	for id := range q.busyOff[office] {
		out = append(out, q.active[id])
	}
	return out
}

// clerkActive returns the ticket a clerk is currently handling.
func (q *queue) clerkActive(login string) (Ticket, bool) {
	q.mu.RLock()
	defer q.mu.RUnlock()
	t, ok := q.active[q.byClerk[login]]
	if !ok {
		return Ticket{}, false
	}
	return *t, true
}

// calledBy returns the IDs of called tickets called at t or earlier. The
// sweep asks every few seconds; it copies only what it acts on, not the
// whole waiting room (10,000 tickets are 5 MB).
func (q *queue) calledBy(t time.Time) []string {
	q.mu.RLock()
	defer q.mu.RUnlock()
	var out []string
	for _, tk := range q.active {
		if tk.State == StateCalled && !tk.CalledAt.After(t) {
			out = append(out, tk.ID)
		}
	}
	return out
}
