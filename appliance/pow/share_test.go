package pow

import (
	"sync"
	"testing"
	"time"
)

// memorySpender stands in for the shared database.
type memorySpender struct {
	mu   sync.Mutex
	seen map[string]bool
}

func (m *memorySpender) Spend(sig string, _ time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.seen[sig] {
		return false, nil
	}
	m.seen[sig] = true
	return true, nil
}

// TestSharedSpentSetAcrossNodes: two nodes with one key and one spent
// set: a challenge from node A is solved on node B, and the solution is
// not spent a second time on either.
func TestSharedSpentSetAcrossNodes(t *testing.T) {
	a, b := newPoW(t, 1000), newPoW(t, 1000)
	b.key = a.key
	spent := &memorySpender{seen: map[string]bool{}}
	a.Share(spent)
	b.Share(spent)
	sol := encode(solve(t, challenge(t, a)))
	if ok, err := b.Verify(sol); !ok || err != nil {
		t.Fatalf("node B refused node A's challenge: %v %v", ok, err)
	}
	for _, p := range []*PoW{a, b} {
		if ok, _ := p.Verify(sol); ok {
			t.Fatal("a solution was spent twice across nodes")
		}
	}
}
