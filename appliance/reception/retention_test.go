package reception_test

import (
	"context"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/consultation"
	"github.com/buergerbuero/buergerbuero/appliance/reception"
)

// TestRetentionPerOffice: with the defaults a consultation's chat is gone
// the moment it ends; an office that keeps content for 2 h loses chat and
// notes after 2 h, the name and concern after 24 h, and keeps the handling
// time for the estimator.
func TestRetentionPerOffice(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, monday(9, 0), "", nil)
	keep := &reception.Retention{Content: 2 * time.Hour, Personal: 24 * time.Hour}
	offices, _ := f.db.Offices(ctx)
	for _, o := range offices {
		if o.ID == "buergerbuero" {
			o.Retention = keep
			if err := f.db.UpsertOffice(ctx, o); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := f.svc.ReloadOffices(ctx); err != nil {
		t.Fatal(err)
	}
	consult := func(office string) (consultation.Room, string) {
		k := knock(t, f, office, "Anliegen mit Geheimnis")
		st, err := f.svc.Admit(ctx, reception.Actor{Clerk: clerkAnna}, k.Ticket.ID)
		if err != nil {
			t.Fatal(err)
		}
		r, m, err := f.svc.Rooms.RoomForClerk(ctx, reception.Actor{Clerk: clerkAnna}, st.RoomID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Rooms.PostMessage(ctx, r, m, "Geheimer Chat", ""); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AddNote(ctx, reception.Actor{Clerk: clerkAnna}, k.Ticket.ID, "Geheime Notiz"); err != nil {
			t.Fatal(err)
		}
		f.advance(5 * time.Minute)
		if _, err := f.svc.End(ctx, reception.Actor{Clerk: clerkAnna}, k.Ticket.ID); err != nil {
			t.Fatal(err)
		}
		return r, k.Ticket.ID
	}
	chat := func(r consultation.Room) int {
		msgs, err := f.db.Messages(ctx, r.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		return len(msgs)
	}

	defRoom, defTicket := consult("bauamt")
	if n := chat(defRoom); n != 0 {
		t.Errorf("default retention: %d messages left after the end", n)
	}
	if tk, _ := f.db.Ticket(ctx, defTicket); len(tk.Notes) != 0 || tk.Concern == "" {
		t.Errorf("default retention right after the end: notes %v, concern %q", tk.Notes, tk.Concern)
	}

	room, ticket := consult("buergerbuero")
	if n := chat(room); n != 1 {
		t.Fatalf("an office keeping content for 2 h: %d messages right after the end", n)
	}
	f.advance(3 * time.Hour)
	if err := f.svc.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	tk, _ := f.db.Ticket(ctx, ticket)
	if n := chat(room); n != 0 || len(tk.Notes) != 0 {
		t.Errorf("after 3 h: %d messages, notes %v", n, tk.Notes)
	}
	if tk.Concern == "" {
		t.Error("the concern went before its 24 h")
	}
	f.advance(22 * time.Hour)
	if err := f.svc.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{ticket, defTicket} {
		if tk, _ := f.db.Ticket(ctx, id); tk.Concern != "" || tk.State != reception.StateEnded {
			t.Errorf("after 25 h: %+v", tk)
		}
	}
	if samples, _ := f.db.HandlingSamples(ctx, monday(0, 0)); len(samples) != 2 {
		t.Errorf("handling samples for statistics: %d, want 2", len(samples))
	}
}
