package events

import (
	"context"
	"encoding/json"
	"sync"
	"time"
)

// Live state. Every change (a question asked or decided, a hand, the
// stage, the event itself) is rendered once into a State, from two store
// reads, and handed to every listener of the event from memory: a
// thousand viewers cost one snapshot, not a thousand queries.

// PublicQuestion is an approved question as every viewer sees it: no
// author.
type PublicQuestion struct {
	ID      int64     `json:"id"`
	Text    string    `json:"text"`
	AskedAt time.Time `json:"asked_at"`
}

// Public is what every viewer sees.
type Public struct {
	Event     Event            `json:"event"`
	Status    string           `json:"status"`
	Questions []PublicQuestion `json:"questions"`
	// Stage and Hands are the anonymous IDs of the viewers on stage and
	// with a raised hand; a viewer finds its own state there.
	Stage []string `json:"stage"`
	Hands []string `json:"hands"`
}

// Moderation is what moderators see in addition: pending questions and
// the raised hands in order.
type Moderation struct {
	Pending []Question `json:"pending"`
	Hands   []Member   `json:"hands"`
	Stage   []Member   `json:"stage"`
}

// State is one snapshot of an event.
type State struct {
	Seq        int64
	Public     Public
	Moderation Moderation

	pubOnce, modOnce sync.Once
	pubJSON, modJSON []byte
}

// Listener receives snapshots; Update must not block (keep the newest,
// write elsewhere).
type Listener interface{ Update(*State) }

// Hub keeps the listeners of each event.
type Hub struct {
	s    *Service
	mu   sync.Mutex
	subs map[string]map[Listener]struct{}
	seq  int64
	// per-event lock: snapshots of one event are rendered and delivered
	// in commit order
	locks map[string]*sync.Mutex
}

func newHub(s *Service) *Hub {
	return &Hub{s: s, subs: map[string]map[Listener]struct{}{}, locks: map[string]*sync.Mutex{}}
}

func (h *Hub) lock(id string) *sync.Mutex {
	h.mu.Lock()
	defer h.mu.Unlock()
	l := h.locks[id]
	if l == nil {
		l = &sync.Mutex{}
		h.locks[id] = l
	}
	return l
}

// Snapshot renders an event's current state.
func (h *Hub) Snapshot(ctx context.Context, id string) (*State, error) {
	e, err := h.s.store.Event(ctx, id)
	if err != nil {
		return nil, err
	}
	qs, err := h.s.store.EventQuestions(ctx, id, "")
	if err != nil {
		return nil, err
	}
	aud, err := h.s.store.EventAudience(ctx, id)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	h.seq++
	st := &State{Seq: h.seq}
	h.mu.Unlock()
	st.Public = Public{Event: e, Status: e.Status(h.s.now()), Questions: []PublicQuestion{}, Stage: []string{}, Hands: []string{}}
	st.Moderation = Moderation{Pending: []Question{}, Hands: []Member{}, Stage: []Member{}}
	for _, q := range qs {
		switch q.State {
		case Approved:
			st.Public.Questions = append(st.Public.Questions, PublicQuestion{q.ID, q.Text, q.AskedAt})
		case Pending:
			st.Moderation.Pending = append(st.Moderation.Pending, q)
		}
	}
	for _, m := range aud {
		if m.OnStage {
			st.Public.Stage = append(st.Public.Stage, m.ID)
			st.Moderation.Stage = append(st.Moderation.Stage, m)
		} else if !m.HandAt.IsZero() {
			st.Public.Hands = append(st.Public.Hands, m.ID)
			st.Moderation.Hands = append(st.Moderation.Hands, m)
		}
	}
	return st, nil
}

// Subscribe adds l to an event's listeners and sends it the current
// state; the returned function removes it.
func (h *Hub) Subscribe(ctx context.Context, id string, l Listener) (func(), error) {
	lk := h.lock(id)
	lk.Lock()
	defer lk.Unlock()
	st, err := h.Snapshot(ctx, id)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	if h.subs[id] == nil {
		h.subs[id] = map[Listener]struct{}{}
	}
	h.subs[id][l] = struct{}{}
	h.mu.Unlock()
	l.Update(st)
	return func() {
		h.mu.Lock()
		delete(h.subs[id], l)
		if len(h.subs[id]) == 0 {
			delete(h.subs, id)
		}
		h.mu.Unlock()
	}, nil
}

// Listeners counts an event's listeners.
func (h *Hub) Listeners(id string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs[id])
}

// changed renders the event once and hands the state to its listeners.
func (h *Hub) changed(id string) {
	h.mu.Lock()
	n := len(h.subs[id])
	h.mu.Unlock()
	if n == 0 {
		return
	}
	lk := h.lock(id)
	lk.Lock()
	defer lk.Unlock()
	st, err := h.Snapshot(context.Background(), id)
	if err != nil {
		return
	}
	h.mu.Lock()
	ls := make([]Listener, 0, len(h.subs[id]))
	for l := range h.subs[id] {
		ls = append(ls, l)
	}
	h.mu.Unlock()
	for _, l := range ls {
		l.Update(st)
	}
}

// PublicJSON is the viewers' message for this state, rendered once.
func (st *State) PublicJSON() []byte {
	st.pubOnce.Do(func() {
		st.pubJSON, _ = json.Marshal(map[string]any{"type": "state", "seq": st.Seq, "state": st.Public})
	})
	return st.pubJSON
}

// ModerationJSON is the moderators' message for this state, rendered once.
func (st *State) ModerationJSON() []byte {
	st.modOnce.Do(func() {
		st.modJSON, _ = json.Marshal(map[string]any{"type": "state", "seq": st.Seq, "state": st.Public, "moderation": st.Moderation})
	})
	return st.modJSON
}
