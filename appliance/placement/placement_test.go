package placement_test

import (
	"context"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/placement"
	"github.com/buergerbuero/buergerbuero/appliance/store"
	"github.com/buergerbuero/buergerbuero/appliance/store/sqlite"
)

func openStore(t *testing.T) *store.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// waitUntil polls cond until it holds or the deadline passes.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestLocalIsThisNode: one node carries every room.
func TestLocalIsThisNode(t *testing.T) {
	self := placement.Node{ID: "n", URL: "https://one.example"}
	n, err := placement.Local{Node: self}.NodeForRoom(context.Background(), "r1")
	if err != nil || n != self {
		t.Fatalf("local router: %+v %v", n, err)
	}
}

// TestDBRouterTwoNodes: two routers on one registry place a room on the
// less loaded node and agree on it; when that node stops beating, the
// room moves to the survivor after the expiry; a node that stops
// cleanly leaves the registry at once.
func TestDBRouterTwoNodes(t *testing.T) {
	db := openStore(t)
	ctx := context.Background()
	const iv = 20 * time.Millisecond
	busy, idle := 7, 0
	a := &placement.DB{Store: db, Self: placement.Node{ID: "a", URL: "https://a.example"}, Participants: func() int { return busy }, Interval: iv, Expiry: 3 * iv}
	b := &placement.DB{Store: db, Self: placement.Node{ID: "b", URL: "https://b.example"}, Participants: func() int { return idle }, Interval: iv, Expiry: 3 * iv}
	for _, r := range []*placement.DB{a, b} {
		if err := r.Register(ctx); err != nil {
			t.Fatal(err)
		}
	}
	actx, stopA := context.WithCancel(ctx)
	bctx, stopB := context.WithCancel(ctx)
	aDone, bDone := make(chan struct{}), make(chan struct{})
	go func() { a.Run(actx); close(aDone) }()
	go func() { b.Run(bctx); close(bDone) }()
	defer func() { stopA(); stopB(); <-aDone; <-bDone }()

	n, err := a.NodeForRoom(ctx, "room")
	if err != nil || n.URL != "https://b.example" {
		t.Fatalf("placed on %+v (%v), want the idle node b", n, err)
	}
	if n2, _ := b.NodeForRoom(ctx, "room"); n2 != n {
		t.Fatalf("the other node says %+v, want %+v", n2, n)
	}
	// after a heartbeat, both know both signalling origins
	waitUntil(t, "origins of both nodes", func() bool {
		o := a.Origins()
		return len(o) == 2 && o[0] == "wss://a.example" && o[1] == "wss://b.example"
	})

	// b stops cleanly: its room is carried by a at the next ask
	stopB()
	<-bDone
	if n, err := a.NodeForRoom(ctx, "room"); err != nil || n.ID != "a" {
		t.Fatalf("after b stopped: %+v (%v), want a", n, err)
	}

	// a second room on a; a's heartbeat stops without leaving (a crash:
	// its loop is gone, its row stays) and c joins
	if n, _ := a.NodeForRoom(ctx, "room2"); n.ID != "a" {
		t.Fatalf("room2 on %s, want a", n.ID)
	}
	// c judges with a longer expiry, so the check before it is not racy
	c := &placement.DB{Store: db, Self: placement.Node{ID: "c", URL: "https://c.example"}, Interval: iv, Expiry: 500 * time.Millisecond}
	if err := c.Register(ctx); err != nil {
		t.Fatal(err)
	}
	crashed := &placement.DB{Store: db, Self: a.Self, Interval: iv, Expiry: 3 * iv}
	stopA()
	<-aDone
	if err := crashed.Register(ctx); err != nil { // a's row back, as a crash leaves it
		t.Fatal(err)
	}
	cctx, stopC := context.WithCancel(ctx)
	cDone := make(chan struct{})
	go func() { c.Run(cctx); close(cDone) }()
	defer func() { stopC(); <-cDone }()
	if n, _ := c.NodeForRoom(ctx, "room2"); n.ID != "a" {
		t.Fatalf("room2 moved to %s before a's heartbeat expired", n.ID)
	}
	waitUntil(t, "room2 re-placed on c", func() bool {
		n, err := c.NodeForRoom(ctx, "room2")
		return err == nil && n.ID == "c"
	})
}

// TestDBRouterNoLiveNodeIsHere: with the registry empty (this node's
// heartbeat not yet written or lost) the room is carried here.
func TestDBRouterNoLiveNodeIsHere(t *testing.T) {
	db := openStore(t)
	d := &placement.DB{Store: db, Self: placement.Node{ID: "x", URL: "https://x.example"}}
	if n, err := d.NodeForRoom(context.Background(), "r"); err != nil || n.ID != "x" {
		t.Fatalf("%+v %v", n, err)
	}
}
