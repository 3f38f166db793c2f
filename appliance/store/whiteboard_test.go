package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/consultation"
	"github.com/buergerbuero/buergerbuero/appliance/reception"
	"github.com/buergerbuero/buergerbuero/appliance/store"
	"github.com/buergerbuero/buergerbuero/appliance/whiteboard"
)

func drawWhiteboard(t *testing.T, db *store.DB, room string) {
	t.Helper()
	b := whiteboard.New(db, nil)
	who := whiteboard.Author{Key: "citizen:BA-1"}
	for _, id := range []string{"s1", "s2"} {
		op := whiteboard.Op{Type: whiteboard.OpAdd, ID: id, Item: &whiteboard.Item{Kind: whiteboard.KindStroke, Color: "green", Size: 1, Points: []whiteboard.Point{{0.1, 0.2, 0.5}, {0.3, 0.4, 0.5}}}}
		if _, _, err := b.Apply(context.Background(), room, who, op); err != nil {
			t.Fatal(err)
		}
	}
}

func boardItems(t *testing.T, db *store.DB, room string) int {
	t.Helper()
	items, _, ops, err := db.WhiteboardItems(context.Background(), room)
	if err != nil {
		t.Fatal(err)
	}
	return len(items) + ops
}

// TestWhiteboardSurvivesRestart: the board is in the database, so an
// appliance restart keeps what was drawn (and its re-send protection).
func TestWhiteboardSurvivesRestart(t *testing.T) { forEachDialect(t, testWhiteboardSurvivesRestart) }

func testWhiteboardSurvivesRestart(t *testing.T, open opener) {
	ctx := context.Background()
	db := open()
	drawWhiteboard(t, db, "r_1")
	db.Close()
	db = open()
	s, err := whiteboard.New(db, nil).Snapshot(ctx, "r_1", whiteboard.Author{Key: "citizen:BA-1"})
	if err != nil || len(s.Items) != 2 || !s.Items[0].Mine || s.Items[1].Points[1] != (whiteboard.Point{0.3, 0.4, 0.5}) {
		t.Fatalf("after restart: %+v, %v", s, err)
	}
}

// TestWhiteboardDeletedWithRoomContent: the board is room content: deleted
// when the room's content is (confidential offices at the end) and by the
// retention purge, with nothing of other rooms.
func TestWhiteboardDeletedWithRoomContent(t *testing.T) {
	forEachDialect(t, testWhiteboardDeletedWithRoomContent)
}

func testWhiteboardDeletedWithRoomContent(t *testing.T, open opener) {
	ctx := context.Background()
	db := open()
	drawWhiteboard(t, db, "r_a")
	drawWhiteboard(t, db, "r_b")
	if err := db.DeleteRoomContent(ctx, "r_a"); err != nil {
		t.Fatal(err)
	}
	if n := boardItems(t, db, "r_a"); n != 0 {
		t.Fatalf("board of r_a after DeleteRoomContent: %d rows", n)
	}
	if n := boardItems(t, db, "r_b"); n != 4 {
		t.Fatalf("board of r_b: %d rows, want 4", n)
	}

	// an ended room past its retention loses its board in the purge
	old := time.Now().Add(-48 * time.Hour)
	tk := &reception.Ticket{ID: "t_1", OfficeID: "bauamt", Number: "BA", Day: old.Format("2006-01-02"), TokenHash: []byte{1}, Name: "Erika",
		Concern: "x", Language: "de", State: reception.StateWaiting, KnockedAt: old, UpdatedAt: old}
	if _, err := db.CreateTicket(ctx, tk, 100, rules.Knock()); err != nil {
		t.Fatal(err)
	}
	if _, err := apply(ctx, db, tk.ID, reception.ActAdmit, "anna", func(tk *reception.Ticket) (*consultation.Room, error) {
		tk.RoomID, tk.Clerk, tk.CalledAt, tk.UpdatedAt = "r_c", "anna", old, old
		return &consultation.Room{ID: "r_c", TicketID: tk.ID, OfficeID: tk.OfficeID, Clerk: "anna", CreatedAt: old}, nil
	}); err != nil {
		t.Fatal(err)
	}
	drawWhiteboard(t, db, "r_c")
	if _, err := apply(ctx, db, tk.ID, reception.ActEnd, "anna", func(tk *reception.Ticket) (*consultation.Room, error) {
		tk.EndedAt, tk.UpdatedAt = old, old
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	cutoff := time.Now().Add(-24 * time.Hour)
	if _, err := db.Purge(ctx, []reception.PurgeRule{{ContentBefore: cutoff, PersonalBefore: cutoff}}, cutoff); err != nil {
		t.Fatal(err)
	}
	if n := boardItems(t, db, "r_c"); n != 0 {
		t.Fatalf("board of the ended room after purge: %d rows", n)
	}
	if n := boardItems(t, db, "r_b"); n != 4 {
		t.Fatalf("board of r_b (no room row, so never ended) after purge: %d rows, want 4", n)
	}
}

// TestWhiteboardEventNamesTheOp: each operation appends one event to the
// stream that names the room and the op's seq but carries no drawing; the
// op it names is what a reader is then sent.
func TestWhiteboardEventNamesTheOp(t *testing.T) { forEachDialect(t, testWhiteboardEventNamesTheOp) }

func testWhiteboardEventNamesTheOp(t *testing.T, open opener) {
	ctx := context.Background()
	db := open()
	since, _ := db.LastEventSeq(ctx)
	b := whiteboard.New(db, nil)
	who := whiteboard.Author{Key: "citizen:BA-1"}
	op, _, err := b.Apply(ctx, "r_1", who, whiteboard.Op{Type: whiteboard.OpAdd, ID: "t1", Item: &whiteboard.Item{Kind: whiteboard.KindText, Color: "red", Size: 2, Points: []whiteboard.Point{{0.5, 0.5}}, Text: "IBAN DE12"}})
	if err != nil {
		t.Fatal(err)
	}
	evs, err := db.Events(ctx, since, 10)
	if err != nil || len(evs) != 1 || evs[0].Type != "whiteboard" || evs[0].RoomID != "r_1" {
		t.Fatalf("events: %+v, %v", evs, err)
	}
	if string(evs[0].Payload) != `{"whiteboard":{"room_id":"r_1","seq":`+fmt.Sprint(op.Seq)+`}}` {
		t.Fatalf("event payload %s", evs[0].Payload)
	}
	got, ok, err := b.Op(ctx, "r_1", whiteboard.Author{Key: "clerk:anna"}, op.Seq)
	if err != nil || !ok || got.Item == nil || got.Item.Text != "IBAN DE12" || got.Item.Mine {
		t.Fatalf("op by seq: %+v %v %v", got, ok, err)
	}
	if _, ok, _ := b.Op(ctx, "r_2", who, op.Seq); ok {
		t.Fatal("another room's op by seq")
	}
}
