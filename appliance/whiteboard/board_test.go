package whiteboard_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/buergerbuero/buergerbuero/appliance/problem"
	"github.com/buergerbuero/buergerbuero/appliance/store"
	"github.com/buergerbuero/buergerbuero/appliance/store/storetest"
	"github.com/buergerbuero/buergerbuero/appliance/whiteboard"
)

var (
	clerk   = whiteboard.Author{Key: "clerk:anna", CanClear: true}
	citizen = whiteboard.Author{Key: "citizen:BA-1"}
	interp  = whiteboard.Author{Key: "interpreter:Dolmetscher"}
)

func newBoard(t *testing.T) (*whiteboard.Board, *store.DB) {
	t.Helper()
	db := storetest.Open(t, t.TempDir())
	return whiteboard.New(db, nil), db
}

func stroke(id string, pts ...whiteboard.Point) whiteboard.Op {
	if len(pts) == 0 {
		pts = []whiteboard.Point{{0.1, 0.1, 0.5}, {0.2, 0.25, 0.6}, {0.3, 0.4, 0}}
	}
	return whiteboard.Op{Type: whiteboard.OpAdd, ID: id, Item: &whiteboard.Item{Kind: whiteboard.KindStroke, Color: "blue", Size: 2, Points: pts}}
}

func apply(t *testing.T, b *whiteboard.Board, who whiteboard.Author, op whiteboard.Op) whiteboard.Op {
	t.Helper()
	out, _, err := b.Apply(context.Background(), "r_1", who, op)
	if err != nil {
		t.Fatalf("%s %s: %v", op.Type, op.ID, err)
	}
	return out
}

func ids(s whiteboard.Snapshot) []string {
	out := []string{}
	for _, it := range s.Items {
		out = append(out, it.ID)
	}
	return out
}

func TestWhiteboardUndoOnlyOwn(t *testing.T) {
	b, _ := newBoard(t)
	ctx := context.Background()
	apply(t, b, citizen, stroke("c1"))
	apply(t, b, clerk, stroke("k1"))
	// the clerk may clear the board, but not undo the citizen's stroke
	_, _, err := b.Apply(ctx, "r_1", clerk, whiteboard.Op{Type: whiteboard.OpUndo, ID: "u1", Target: "c1"})
	if !errors.Is(err, whiteboard.ErrNotYours) {
		t.Fatalf("clerk undoing the citizen's stroke: %v, want ErrNotYours", err)
	}
	apply(t, b, citizen, whiteboard.Op{Type: whiteboard.OpUndo, ID: "u2", Target: "c1"})
	s, _ := b.Snapshot(ctx, "r_1", citizen)
	if got := ids(s); !reflect.DeepEqual(got, []string{"k1"}) {
		t.Fatalf("after the citizen's undo: %v, want [k1]", got)
	}
	// undoing what is gone is not found, and changes nothing
	_, _, err = b.Apply(ctx, "r_1", citizen, whiteboard.Op{Type: whiteboard.OpUndo, ID: "u3", Target: "c1"})
	if !errors.Is(err, whiteboard.ErrItemNotFound) {
		t.Fatalf("undo of an undone stroke: %v", err)
	}
}

func TestWhiteboardClearOnlyClerk(t *testing.T) {
	b, _ := newBoard(t)
	ctx := context.Background()
	apply(t, b, citizen, stroke("c1"))
	for _, who := range []whiteboard.Author{citizen, interp} {
		_, _, err := b.Apply(ctx, "r_1", who, whiteboard.Op{Type: whiteboard.OpClear, ID: "x-" + who.Key[:3]})
		if !errors.Is(err, whiteboard.ErrClearForbidden) || !errors.Is(err, problem.ErrForbidden) {
			t.Fatalf("%s clears: %v, want forbidden", who.Key, err)
		}
	}
	if s, _ := b.Snapshot(ctx, "r_1", clerk); len(s.Items) != 1 {
		t.Fatalf("a refused clear removed drawings: %v", ids(s))
	}
	apply(t, b, clerk, whiteboard.Op{Type: whiteboard.OpClear, ID: "clear1"})
	if s, _ := b.Snapshot(ctx, "r_1", clerk); len(s.Items) != 0 {
		t.Fatalf("after clear: %v", ids(s))
	}
}

// TestWhiteboardLateJoinerSnapshot: a late joiner's snapshot is the state
// the others built op by op, and the ops after an earlier snapshot bring
// its holder to the same state.
func TestWhiteboardLateJoinerSnapshot(t *testing.T) {
	b, _ := newBoard(t)
	ctx := context.Background()
	apply(t, b, citizen, stroke("c1"))
	early, _ := b.Snapshot(ctx, "r_1", interp)
	apply(t, b, clerk, whiteboard.Op{Type: whiteboard.OpAdd, ID: "k-rect", Item: &whiteboard.Item{Kind: whiteboard.KindRect, Color: "red", Size: 3, Points: []whiteboard.Point{{0.5, 0.5}, {0.9, 0.8}}}})
	apply(t, b, clerk, whiteboard.Op{Type: whiteboard.OpAdd, ID: "k-text", Item: &whiteboard.Item{Kind: whiteboard.KindText, Color: "black", Size: 2, Points: []whiteboard.Point{{0.2, 0.7}}, Text: " Antrag\nS. 2 "}})
	apply(t, b, citizen, stroke("c2"))
	apply(t, b, citizen, whiteboard.Op{Type: whiteboard.OpUndo, ID: "u1", Target: "c1"})

	late, err := b.Snapshot(ctx, "r_1", citizen)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(late); !reflect.DeepEqual(got, []string{"k-rect", "k-text", "c2"}) {
		t.Fatalf("late joiner sees %v", got)
	}
	if late.Seq <= early.Seq || late.Ops != 5 {
		t.Fatalf("seq %d after %d, ops %d", late.Seq, early.Seq, late.Ops)
	}
	if late.Items[1].Text != "Antrag S. 2" || late.Items[2].Mine != true || late.Items[0].Mine {
		t.Fatalf("items: %+v", late.Items)
	}
	// replaying the ops since the early snapshot gives the same drawings
	ops, err := b.Since(ctx, "r_1", interp, early.Seq)
	if err != nil || len(ops) != 4 {
		t.Fatalf("since: %d ops, %v", len(ops), err)
	}
	state := map[string]bool{}
	for _, it := range early.Items {
		state[it.ID] = true
	}
	for _, op := range ops {
		switch op.Type {
		case whiteboard.OpAdd:
			if op.Item != nil {
				state[op.ID] = true
			}
		case whiteboard.OpUndo:
			delete(state, op.Target)
		case whiteboard.OpClear:
			state = map[string]bool{}
		}
	}
	want := map[string]bool{"k-rect": true, "k-text": true, "c2": true}
	if !reflect.DeepEqual(state, want) {
		t.Fatalf("early snapshot + ops = %v, want %v", state, want)
	}
}

func TestWhiteboardIdempotentResend(t *testing.T) {
	b, _ := newBoard(t)
	ctx := context.Background()
	first, applied, err := b.Apply(ctx, "r_1", citizen, stroke("c1"))
	if err != nil || !applied {
		t.Fatal(applied, err)
	}
	again, applied, err := b.Apply(ctx, "r_1", citizen, stroke("c1"))
	if err != nil || applied || again.Seq != first.Seq {
		t.Fatalf("re-send: applied=%v seq %d (first %d) %v", applied, again.Seq, first.Seq, err)
	}
	// the same ID from somebody else is not theirs to take
	if _, _, err := b.Apply(ctx, "r_1", clerk, stroke("c1")); !errors.Is(err, whiteboard.ErrIDTaken) {
		t.Fatalf("someone else's id: %v", err)
	}
	// an undo re-sent after it was applied is still fine (not "not found")
	apply(t, b, citizen, whiteboard.Op{Type: whiteboard.OpUndo, ID: "u1", Target: "c1"})
	if _, applied, err := b.Apply(ctx, "r_1", citizen, whiteboard.Op{Type: whiteboard.OpUndo, ID: "u1", Target: "c1"}); err != nil || applied {
		t.Fatalf("undo re-sent: applied=%v %v", applied, err)
	}
	// concurrent re-sends store one drawing
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() { defer wg.Done(); b.Apply(ctx, "r_1", citizen, stroke("c2")) }()
	}
	wg.Wait()
	s, _ := b.Snapshot(ctx, "r_1", citizen)
	if got := ids(s); !reflect.DeepEqual(got, []string{"c2"}) || s.Ops != 3 {
		t.Fatalf("after concurrent re-sends: %v, %d ops", got, s.Ops)
	}
}

func TestWhiteboardBounds(t *testing.T) {
	b, _ := newBoard(t)
	ctx := context.Background()
	long := make([]whiteboard.Point, whiteboard.MaxPoints+1)
	item := func(kind whiteboard.Kind, color string, size int, text string, pts ...whiteboard.Point) whiteboard.Op {
		return whiteboard.Op{Type: whiteboard.OpAdd, ID: "x", Item: &whiteboard.Item{Kind: kind, Color: color, Size: size, Text: text, Points: pts}}
	}
	for _, c := range []struct {
		name   string
		op     whiteboard.Op
		reason string
	}{
		{"too many points", stroke("x", long...), "whiteboard_points"},
		{"no points", item(whiteboard.KindStroke, "red", 2, ""), "whiteboard_points"},
		{"outside the canvas", stroke("x", whiteboard.Point{0.5, 1.2}), "whiteboard_coordinates"},
		{"negative", stroke("x", whiteboard.Point{-0.1, 0.5}), "whiteboard_coordinates"},
		{"colour off the palette", item(whiteboard.KindStroke, "#ff00ff", 2, "", whiteboard.Point{0.1, 0.1}), "whiteboard_color"},
		{"size", item(whiteboard.KindStroke, "red", whiteboard.MaxSize+1, "", whiteboard.Point{0.1, 0.1}), "whiteboard_size"},
		{"unknown kind", item("star", "red", 2, "", whiteboard.Point{0.1, 0.1}), "whiteboard_kind"},
		{"line with three points", item(whiteboard.KindLine, "red", 2, "", whiteboard.Point{0, 0}, whiteboard.Point{1, 1}, whiteboard.Point{0.5, 0.5}), "whiteboard_shape_points"},
		{"empty text", item(whiteboard.KindText, "red", 2, "  ", whiteboard.Point{0.1, 0.1}), "too_short"},
		{"long text", item(whiteboard.KindText, "red", 2, strings.Repeat("ä", whiteboard.MaxText+1), whiteboard.Point{0.1, 0.1}), "too_long"},
		{"bad id", whiteboard.Op{Type: whiteboard.OpClear, ID: "a b"}, "whiteboard_id"},
		{"unknown op", whiteboard.Op{Type: "paint", ID: "p"}, "whiteboard_op"},
		{"add without item", whiteboard.Op{Type: whiteboard.OpAdd, ID: "p"}, "whiteboard_item_required"},
	} {
		_, _, err := b.Apply(ctx, "r_1", clerk, c.op)
		p, ok := problem.As(err)
		if !ok || p.Kind != problem.KindInvalid || p.Reason != c.reason {
			t.Errorf("%s: %v, want invalid %s", c.name, err, c.reason)
		}
	}
	// coordinates are kept at a ten-thousandth
	out := apply(t, b, citizen, stroke("fine", whiteboard.Point{0.123456, 0.5, 0.33333}))
	if out.Item.Points[0] != (whiteboard.Point{0.1235, 0.5, 0.3333}) {
		t.Errorf("rounded: %v", out.Item.Points[0])
	}
	// the room's bound on operations
	for i := 1; i < whiteboard.MaxOps; i++ {
		apply(t, b, citizen, stroke(fmt.Sprintf("s%d", i), whiteboard.Point{0.5, 0.5}))
	}
	if _, _, err := b.Apply(ctx, "r_1", citizen, stroke("one-too-many")); !errors.Is(err, whiteboard.ErrFull) {
		t.Fatalf("op %d: %v, want ErrFull", whiteboard.MaxOps+1, err)
	}
	// another room is not affected
	if _, _, err := b.Apply(ctx, "r_2", citizen, stroke("one-too-many")); err != nil {
		t.Fatal(err)
	}
}

// TestWhiteboardPointerRelay: a laser pointer reaches the other streams
// of the room, not the pointer's own nor another room's, and is never
// stored.
func TestWhiteboardPointerRelay(t *testing.T) {
	b, _ := newBoard(t)
	p := whiteboard.NewPointers()
	clerkSees, stop1 := p.Subscribe("r_1", clerk.Key)
	defer stop1()
	citizenSees, stop2 := p.Subscribe("r_1", citizen.Key)
	defer stop2()
	otherRoom, stop3 := p.Subscribe("r_2", clerk.Key)
	defer stop3()
	x, y, err := whiteboard.CheckPointer(0.123456, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	p.Publish(whiteboard.Pointer{Room: "r_1", From: citizen.Key, X: x, Y: y})
	var ev whiteboard.PointerEvent
	if err := json.Unmarshal(<-clerkSees, &ev); err != nil || ev.Type != "pointer" || ev.X != 0.1235 || ev.Y != 0.5 || ev.From == "" || strings.Contains(ev.From, "BA-1") {
		t.Fatalf("relayed %+v %v", ev, err)
	}
	select {
	case b := <-citizenSees:
		t.Fatalf("the pointer came back to its own stream: %s", b)
	case b := <-otherRoom:
		t.Fatalf("another room got %s", b)
	default:
	}
	if _, _, err := whiteboard.CheckPointer(1.5, 0); err == nil {
		t.Fatal("a pointer outside the board was accepted")
	}
	if s, _ := b.Snapshot(context.Background(), "r_1", citizen); s.Ops != 0 {
		t.Fatalf("the pointer was stored: %d ops", s.Ops)
	}
}
