package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/store"
)

// TestPlaceRoomLeastLoadedOnce: a room is placed on the live node with
// the fewest participants, then stays there even when another becomes
// less loaded; dead nodes are never chosen; with no live node the
// placement fails.
func TestPlaceRoomLeastLoadedOnce(t *testing.T) {
	forEachDialect(t, func(t *testing.T, open opener) {
		ctx := context.Background()
		db := open()
		now := time.Now()
		alive := now.Add(-6 * time.Second)
		if _, err := db.PlaceRoom(ctx, "r_none", alive); !errors.Is(err, store.ErrNoLiveNode) {
			t.Fatalf("placement without nodes: %v, want ErrNoLiveNode", err)
		}
		for _, n := range []store.MediaNode{
			{ID: "a", URL: "https://a.example", Heartbeat: now, Participants: 12},
			{ID: "b", URL: "https://b.example", Heartbeat: now, Participants: 3},
			{ID: "dead", URL: "https://dead.example", Heartbeat: now.Add(-time.Minute)},
		} {
			if err := db.BeatNode(ctx, n); err != nil {
				t.Fatal(err)
			}
		}
		n, err := db.PlaceRoom(ctx, "r1", alive)
		if err != nil || n.ID != "b" || n.URL != "https://b.example" {
			t.Fatalf("r1 placed on %+v (%v), want the less loaded node b", n, err)
		}
		if err := db.BeatNode(ctx, store.MediaNode{ID: "a", URL: "https://a.example", Heartbeat: now}); err != nil {
			t.Fatal(err)
		}
		if n, err := db.PlaceRoom(ctx, "r1", alive); err != nil || n.ID != "b" {
			t.Fatalf("r1 asked again: %+v (%v), want it to stay on b", n, err)
		}
		if n, err := db.PlaceRoom(ctx, "r2", alive); err != nil || n.ID != "a" {
			t.Fatalf("r2 placed on %+v (%v), want a (now without participants)", n, err)
		}
	})
}

// TestPlaceRoomConcurrentAgree: many callers placing one room at once,
// as several nodes would, all get the same node.
func TestPlaceRoomConcurrentAgree(t *testing.T) {
	forEachDialect(t, func(t *testing.T, open opener) {
		ctx := context.Background()
		db := open()
		now := time.Now()
		for _, id := range []string{"a", "b", "c"} {
			if err := db.BeatNode(ctx, store.MediaNode{ID: id, URL: "https://" + id, Heartbeat: now}); err != nil {
				t.Fatal(err)
			}
		}
		for round := range 20 {
			room := "r" + string(rune('a'+round))
			got := make([]string, 8)
			var wg sync.WaitGroup
			for i := range got {
				wg.Add(1)
				go func() {
					defer wg.Done()
					// different nodes' views of the load must not matter
					if i%2 == 0 {
						db.BeatNode(ctx, store.MediaNode{ID: "abc"[i%3 : i%3+1], URL: "https://x", Heartbeat: now, Participants: i})
					}
					n, err := db.PlaceRoom(ctx, room, now.Add(-time.Minute))
					if err != nil {
						t.Error(err)
					}
					got[i] = n.ID
				}()
			}
			wg.Wait()
			for _, id := range got {
				if id != got[0] || id == "" {
					t.Fatalf("round %d: concurrent placements %v, want one node", round, got)
				}
			}
		}
	})
}

// TestPlaceRoomAfterNodeDies: when the node a room is placed on misses
// its heartbeats past the expiry, the next ask places the room on a live
// node, and every later ask agrees; a removed node's rooms move too.
func TestPlaceRoomAfterNodeDies(t *testing.T) {
	forEachDialect(t, func(t *testing.T, open opener) {
		ctx := context.Background()
		db := open()
		t0 := time.Now().Add(-time.Minute)
		const expiry = 6 * time.Second
		db.BeatNode(ctx, store.MediaNode{ID: "a", URL: "https://a", Heartbeat: t0})
		db.BeatNode(ctx, store.MediaNode{ID: "b", URL: "https://b", Heartbeat: t0, Participants: 5})
		if n, err := db.PlaceRoom(ctx, "r1", t0.Add(-expiry)); err != nil || n.ID != "a" {
			t.Fatalf("r1 placed on %+v (%v), want a", n, err)
		}
		// b beats on, a has been silent longer than the expiry
		t1 := t0.Add(expiry + time.Second)
		db.BeatNode(ctx, store.MediaNode{ID: "b", URL: "https://b", Heartbeat: t1, Participants: 5})
		for range 2 {
			if n, err := db.PlaceRoom(ctx, "r1", t1.Add(-expiry)); err != nil || n.ID != "b" || n.URL != "https://b" {
				t.Fatalf("r1 after a died: %+v (%v), want the survivor b", n, err)
			}
		}
		// a comes back (a restart): r1 stays where it was re-placed
		db.BeatNode(ctx, store.MediaNode{ID: "a", URL: "https://a", Heartbeat: t1})
		if n, _ := db.PlaceRoom(ctx, "r1", t1.Add(-expiry)); n.ID != "b" {
			t.Fatalf("r1 moved back to %s", n.ID)
		}
		// b stops cleanly: its rooms move at the next ask
		if err := db.RemoveNode(ctx, "b", t1.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		if n, err := db.PlaceRoom(ctx, "r1", t1.Add(-expiry)); err != nil || n.ID != "a" {
			t.Fatalf("r1 after b left: %+v (%v), want a", n, err)
		}
		if err := db.UnplaceRoom(ctx, "r1"); err != nil {
			t.Fatal(err)
		}
	})
}
