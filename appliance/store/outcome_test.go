package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/consultation"
	"github.com/buergerbuero/buergerbuero/appliance/reception"
	"github.com/buergerbuero/buergerbuero/appliance/store"
)

// The store persists what the domain decides (reception.Outcome): these
// cases hold it to the guarantee that an Outcome's rows land with the
// ticket, all of them or none, on both dialects.

// inConsultation knocks ticket id, admits it into room r_<id> and lets the
// citizen enter.
func inConsultation(t *testing.T, db *store.DB, id string, at time.Time) {
	t.Helper()
	ctx := context.Background()
	if _, _, err := knock(t, db, id, at); err != nil {
		t.Fatal(err)
	}
	room := "r_" + id
	if _, err := apply(ctx, db, id, reception.ActAdmit, "anna", func(tk *reception.Ticket) (*consultation.Room, error) {
		tk.Clerk, tk.RoomID, tk.CalledAt, tk.UpdatedAt = "anna", room, at, at
		return &consultation.Room{ID: room, TicketID: id, OfficeID: tk.OfficeID, Clerk: "anna", CreatedAt: at}, nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := apply(ctx, db, id, reception.ActEnter, "citizen", func(tk *reception.Ticket) (*consultation.Room, error) {
		tk.StartedAt, tk.UpdatedAt = at.Add(time.Minute), at.Add(time.Minute)
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
}

func end(at time.Time) func(*reception.Ticket) (*consultation.Room, error) {
	return func(tk *reception.Ticket) (*consultation.Room, error) {
		tk.EndedAt, tk.UpdatedAt = at, at
		return nil, nil
	}
}

// TestOutcomeLandsWhole: the end of a consultation ends its room, records
// the handling sample, forgets the connection record, counts the figures
// and writes event and audit entry with the ticket; when one of its rows
// cannot be stored, none of the others is, and the ticket stays in
// consultation.
func TestOutcomeLandsWhole(t *testing.T) { forEachDialect(t, testOutcomeLandsWhole) }

func testOutcomeLandsWhole(t *testing.T, open opener) {
	db := open()
	ctx := context.Background()
	at := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	inConsultation(t, db, "t_a", at)
	inConsultation(t, db, "t_b", at)
	if err := db.SetDisconnected(ctx, "t_a", at); err != nil {
		t.Fatal(err)
	}
	rows := func() [6]int {
		return [6]int{
			count(t, db, `SELECT COUNT(*) FROM rooms WHERE id = 'r_t_a' AND ended_at <> 0`),
			count(t, db, `SELECT COUNT(*) FROM handling`),
			count(t, db, `SELECT COUNT(*) FROM connections WHERE ticket_id = 't_a'`),
			count(t, db, `SELECT COUNT(*) FROM stats_daily WHERE figure = 'consultations'`),
			count(t, db, `SELECT COUNT(*) FROM events`),
			count(t, db, `SELECT COUNT(*) FROM audit WHERE ticket_id = 't_a'`),
		}
	}
	before := rows()
	if before != [6]int{0, 0, 1, 0, before[4], before[5]} {
		t.Fatalf("set-up: %v", before)
	}
	// the rules' outcome, plus a room under an id that is taken: its
	// INSERT fails after the ticket's UPDATE
	broken := func(ctx context.Context, tk reception.Ticket, f reception.Facts) (reception.Outcome, error) {
		out, err := rules.Step(reception.ActEnd, "anna", end(at.Add(20*time.Minute)))(ctx, tk, f)
		out.OpenRoom = &consultation.Room{ID: "r_t_b", Kind: consultation.KindConsultation, TicketID: "t_a", OfficeID: "bauamt", CreatedAt: at}
		return out, err
	}
	if _, err := db.Apply(ctx, "t_a", broken); err == nil {
		t.Fatal("an outcome with a taken room id was stored")
	}
	if got := rows(); got != before {
		t.Fatalf("failed end left rows behind: %v, before %v (room ended, handling, connections, figures, events, audit)", got, before)
	}
	if tk, _ := db.Ticket(ctx, "t_a"); tk.State != reception.StateInConsultation || !tk.EndedAt.IsZero() {
		t.Fatalf("failed end changed the ticket: %s, ended %v", tk.State, tk.EndedAt)
	}

	ch, err := apply(ctx, db, "t_a", reception.ActEnd, "anna", end(at.Add(20*time.Minute)))
	if err != nil {
		t.Fatal(err)
	}
	want := [6]int{1, 1, 0, 1, before[4] + 1, before[5] + 1}
	if got := rows(); got != want {
		t.Fatalf("end wrote %v, want %v (room ended, handling, connections, figures, events, audit)", got, want)
	}
	samples, err := db.HandlingSamples(ctx, at.Add(-time.Hour))
	if err != nil || len(samples) != 1 || samples[0].Duration != 19*time.Minute || samples[0].OfficeID != "bauamt" {
		t.Fatalf("handling samples: %+v, %v", samples, err)
	}
	if last, _ := db.LastEventSeq(ctx); ch.Seq != last || ch.Ticket.State != reception.StateEnded {
		t.Fatalf("change: seq %d (last %d), state %s", ch.Seq, last, ch.Ticket.State)
	}
}

// TestOutcomeOfStaleStateRefused: an Outcome decided for a state the
// ticket is no longer in (another node changed it meanwhile) is a
// conflict, and nothing of it is written.
func TestOutcomeOfStaleStateRefused(t *testing.T) { forEachDialect(t, testOutcomeOfStaleStateRefused) }

func testOutcomeOfStaleStateRefused(t *testing.T, open opener) {
	db := open()
	ctx := context.Background()
	at := time.Now().Truncate(time.Millisecond)
	if _, _, err := knock(t, db, "t_a", at); err != nil {
		t.Fatal(err)
	}
	events := count(t, db, `SELECT COUNT(*) FROM events`)
	stale := func(ctx context.Context, tk reception.Ticket, f reception.Facts) (reception.Outcome, error) {
		tk.State = reception.StateCalled // decided as if it were called
		out, err := rules.Step(reception.ActReturn, "system", nil)(ctx, tk, f)
		return out, err
	}
	_, err := db.Apply(ctx, "t_a", stale)
	if !reception.IsConflict(err) {
		t.Fatalf("stale outcome: %v, want a conflict", err)
	}
	if tk, _ := db.Ticket(ctx, "t_a"); tk.State != reception.StateWaiting {
		t.Fatalf("stale outcome changed the ticket to %s", tk.State)
	}
	if n := count(t, db, `SELECT COUNT(*) FROM events`); n != events {
		t.Fatalf("stale outcome wrote %d events", n-events)
	}
}
