package consultation_test

import (
	"context"
	"errors"
	"testing"

	"github.com/buergerbuero/buergerbuero/appliance/consultation"
	"github.com/buergerbuero/buergerbuero/appliance/whiteboard"
)

func stroke(id string) whiteboard.Op {
	return whiteboard.Op{Type: whiteboard.OpAdd, ID: id, Item: &whiteboard.Item{Kind: whiteboard.KindStroke, Color: "red", Size: 2, Points: []whiteboard.Point{{0.1, 0.1}, {0.2, 0.3}}}}
}

// TestWhiteboardInTheRoom: the room's members share its board on the
// chat's terms: the citizen draws and undoes their own, only staff clear,
// a member without the chat right may not draw, and the board goes with
// the room's content when the consultation ends.
func TestWhiteboardInTheRoom(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, false)
	_, citizen, err := f.rooms.RoomForCitizen(ctx, f.room.ID, f.ticket.Ticket.ID, f.ticket.Token)
	if err != nil {
		t.Fatal(err)
	}
	a := consultation.Actor{Clerk: anna}
	_, clerk, err := f.rooms.RoomForClerk(ctx, a, f.room.ID)
	if err != nil {
		t.Fatal(err)
	}
	op, applied, err := f.rooms.Draw(ctx, f.room, citizen, stroke("c1"))
	if err != nil || !applied || !op.Item.Mine {
		t.Fatalf("citizen draws: %+v %v %v", op, applied, err)
	}
	if _, _, err := f.rooms.Draw(ctx, f.room, clerk, stroke("k1")); err != nil {
		t.Fatal(err)
	}
	snap, err := f.rooms.Whiteboard(ctx, f.room, clerk)
	if err != nil || len(snap.Items) != 2 || snap.Items[0].Mine || !snap.Items[1].Mine {
		t.Fatalf("the clerk's view: %+v %v", snap, err)
	}
	// the event the stream sends names the op; each reader gets it as theirs or not
	got, ok, err := f.rooms.WhiteboardOp(ctx, f.room.ID, citizen, op.Seq)
	if err != nil || !ok || !got.Item.Mine {
		t.Fatalf("the citizen's op for the citizen's stream: %+v %v %v", got, ok, err)
	}
	if _, _, err := f.rooms.Draw(ctx, f.room, citizen, whiteboard.Op{Type: whiteboard.OpClear, ID: "x"}); !errors.Is(err, whiteboard.ErrClearForbidden) {
		t.Fatalf("citizen clears: %v", err)
	}
	if _, _, err := f.rooms.Draw(ctx, f.room, citizen, whiteboard.Op{Type: whiteboard.OpUndo, ID: "u", Target: "k1"}); !errors.Is(err, whiteboard.ErrNotYours) {
		t.Fatalf("citizen undoes the clerk's: %v", err)
	}
	mute := citizen
	mute.Rights.Chat = false
	if _, _, err := f.rooms.Draw(ctx, f.room, mute, stroke("m1")); !errors.Is(err, consultation.ErrForbiddenByRole) {
		t.Fatalf("drawing without the chat right: %v", err)
	}
	if err := f.rooms.Point(f.room, mute, 0.5, 0.5); !errors.Is(err, consultation.ErrForbiddenByRole) {
		t.Fatalf("pointing without the chat right: %v", err)
	}
	if _, _, err := f.rooms.Draw(ctx, f.room, clerk, whiteboard.Op{Type: whiteboard.OpClear, ID: "clear"}); err != nil {
		t.Fatalf("the clerk clears: %v", err)
	}
	if _, _, err := f.rooms.Draw(ctx, f.room, citizen, stroke("c2")); err != nil {
		t.Fatal(err)
	}

	// the end: the board is gone with the chat, and nobody draws any more
	if _, err := f.rec.End(ctx, a, f.ticket.Ticket.ID); err != nil {
		t.Fatal(err)
	}
	ended, _ := f.rooms.Room(ctx, f.room.ID)
	if snap, _ := f.rooms.Whiteboard(ctx, ended, clerk); len(snap.Items) != 0 || snap.Ops != 0 {
		t.Errorf("the board after the end: %+v", snap)
	}
	if _, _, err := f.rooms.Draw(ctx, ended, clerk, stroke("late")); !errors.Is(err, consultation.ErrRoomClosed) {
		t.Errorf("drawing in the ended room: %v", err)
	}
}
