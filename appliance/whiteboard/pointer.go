package whiteboard

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
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

// PointerEvent is a pointer position as a room's stream sends it: From
// tells the pointers of different people apart without naming anybody.
type PointerEvent struct {
	Type string  `json:"type"` // "pointer"
	From string  `json:"from"`
	X    float64 `json:"x"`
	Y    float64 `json:"y"`
}

// Pointers relays laser pointer positions to the live streams of a room.
// A slow stream misses positions rather than holding up the others: a
// pointer position is stale a moment later anyway.
type Pointers struct {
	mu   sync.Mutex
	subs map[string]map[*pointerSub]struct{}
}

type pointerSub struct {
	self string
	ch   chan []byte
}

// NewPointers returns a relay without subscribers.
func NewPointers() *Pointers {
	return &Pointers{subs: map[string]map[*pointerSub]struct{}{}}
}

// Subscribe returns the positions others point at in room from now on, as
// JSON PointerEvents (self is the reader's Author.Key: their own pointer
// is not sent back); call the returned function when the stream ends.
func (p *Pointers) Subscribe(room, self string) (<-chan []byte, func()) {
	sub := &pointerSub{self: self, ch: make(chan []byte, 16)}
	p.mu.Lock()
	m := p.subs[room]
	if m == nil {
		m = map[*pointerSub]struct{}{}
		p.subs[room] = m
	}
	m[sub] = struct{}{}
	p.mu.Unlock()
	return sub.ch, func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		delete(m, sub)
		if len(m) == 0 {
			delete(p.subs, room)
		}
	}
}

// Publish passes a position to the room's other streams without waiting.
func (p *Pointers) Publish(pt Pointer) {
	h := sha256.Sum256([]byte(pt.Room + "\x00" + pt.From))
	b, _ := json.Marshal(PointerEvent{Type: "pointer", From: hex.EncodeToString(h[:6]), X: pt.X, Y: pt.Y})
	p.mu.Lock()
	defer p.mu.Unlock()
	for sub := range p.subs[pt.Room] {
		if sub.self == pt.From {
			continue
		}
		select {
		case sub.ch <- b:
		default:
		}
	}
}
