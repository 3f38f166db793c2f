package store_test

import (
	"context"
	"github.com/buergerbuero/buergerbuero/appliance/consultation"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/reception"
)

// TestForwardingHistory: every forward of a ticket is kept with who
// forwarded it, from where to where and the note, oldest first, so the
// clerk who admits sees the whole way; the purge deletes the notes with
// the ticket's other content.
func TestForwardingHistory(t *testing.T) { forEachDialect(t, testForwardingHistory) }

func testForwardingHistory(t *testing.T, open opener) {
	ctx := context.Background()
	db := open()
	old := time.Now().Add(-48 * time.Hour)
	tk := &reception.Ticket{ID: "t_1", OfficeID: "buergerbuero", Number: "B-001", Day: old.Format("2006-01-02"), TokenHash: []byte{1},
		Concern: "Ausweis", Language: "de", State: reception.StateWaiting, KnockedAt: old, UpdatedAt: old}
	if _, err := db.CreateTicket(ctx, tk, 100, rules.Knock()); err != nil {
		t.Fatal(err)
	}
	forward := func(actor, to, clerk, note string, at time.Time) {
		t.Helper()
		if _, err := apply(ctx, db, tk.ID, reception.ActForward, actor, func(x *reception.Ticket) (*consultation.Room, error) {
			x.ForwardedFrom, x.OfficeID, x.ReservedFor, x.ForwardNote, x.UpdatedAt = x.OfficeID, to, clerk, note, at
			return nil, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	forward("anna", "bauamt", "", "Bitte Bauantrag prüfen", old)
	forward("ben", "bauamt", "carla", "Carla kennt den Fall", old.Add(time.Minute))

	got, err := db.Ticket(ctx, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []reception.Forward{
		{At: old.Truncate(time.Millisecond), By: "anna", FromOffice: "buergerbuero", ToOffice: "bauamt", Note: "Bitte Bauantrag prüfen"},
		{At: old.Add(time.Minute).Truncate(time.Millisecond), By: "ben", FromOffice: "bauamt", ToOffice: "bauamt", ToClerk: "carla", Note: "Carla kennt den Fall"},
	}
	if len(got.Forwards) != len(want) {
		t.Fatalf("forwarding history %+v, want %+v", got.Forwards, want)
	}
	for i := range want {
		if f := got.Forwards[i]; !f.At.Equal(want[i].At) || f.By != want[i].By || f.FromOffice != want[i].FromOffice ||
			f.ToOffice != want[i].ToOffice || f.ToClerk != want[i].ToClerk || f.Note != want[i].Note {
			t.Errorf("forward %d: %+v, want %+v", i, f, want[i])
		}
	}

	if _, err := apply(ctx, db, tk.ID, reception.ActLeave, "citizen", func(x *reception.Ticket) (*consultation.Room, error) {
		x.EndedAt, x.UpdatedAt = old.Add(2*time.Minute), old.Add(2*time.Minute)
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Purge(ctx, []reception.PurgeRule{{ContentBefore: time.Now().Add(-24 * time.Hour), PersonalBefore: time.Now().Add(-24 * time.Hour)}}, time.Now().Add(-24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.Ticket(ctx, tk.ID); len(got.Forwards) != 0 {
		t.Errorf("forwarding notes survived the purge: %+v", got.Forwards)
	}
}
