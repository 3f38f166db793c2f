package whiteboard

import (
	"math"
	"sync"

	"github.com/buergerbuero/buergerbuero/appliance/problem"
)

// Pointer is where somebody points with the laser pointer: ephemeral,
// relayed to the room's live streams and never stored.
type Pointer struct {
	Room string
	// From is the pointing author's Key (streams skip their own reader's).
	From string
	X, Y float64
}

// CheckPointer validates and rounds a laser pointer position.
func CheckPointer(x, y float64) (float64, float64, error) {
	for _, v := range []float64{x, y} {
		if math.IsNaN(v) || v < 0 || v > 1 {
			return 0, 0, problem.Invalid("points", "whiteboard_coordinates", nil)
		}
	}
	return math.Round(x*grid) / grid, math.Round(y*grid) / grid, nil
}

// Pointers relays laser pointer positions to the live streams of a room.
// A slow stream misses positions rather than holding up the others: a
// pointer position is stale a moment later anyway.
type Pointers struct {
	mu   sync.Mutex
	subs map[string]map[chan Pointer]struct{}
}

// NewPointers returns a relay without subscribers.
func NewPointers() *Pointers {
	return &Pointers{subs: map[string]map[chan Pointer]struct{}{}}
}

// Subscribe returns the positions pointed at in room from now on; call
// the returned function when the stream ends.
func (p *Pointers) Subscribe(room string) (<-chan Pointer, func()) {
	ch := make(chan Pointer, 16)
	p.mu.Lock()
	m := p.subs[room]
	if m == nil {
		m = map[chan Pointer]struct{}{}
		p.subs[room] = m
	}
	m[ch] = struct{}{}
	p.mu.Unlock()
	return ch, func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		delete(m, ch)
		if len(m) == 0 {
			delete(p.subs, room)
		}
	}
}

// Publish passes a position to the room's streams without waiting.
func (p *Pointers) Publish(pt Pointer) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for ch := range p.subs[pt.Room] {
		select {
		case ch <- pt:
		default:
		}
	}
}
