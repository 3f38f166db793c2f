package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/consultation"
	"github.com/buergerbuero/buergerbuero/appliance/reception"
	"github.com/buergerbuero/buergerbuero/appliance/stats"
	"github.com/buergerbuero/buergerbuero/appliance/store"
	"github.com/buergerbuero/buergerbuero/appliance/store/sqlite"
)

// TestFiguresAreCountedOnceAndOutliveThePurge: a ticket change counts in
// its own transaction, so a refused change (a second admission) and a
// change whose step fails count nothing; the purge of personal data and
// a reopened database leave the figures as they were.
func TestFiguresAreCountedOnceAndOutliveThePurge(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	tk := &reception.Ticket{ID: "t_1", OfficeID: "bauamt", Number: "BA", Day: "2026-11-23", TokenHash: []byte{1}, Name: "Erika",
		Concern: "Anliegen", Language: "tr", State: reception.StateWaiting, KnockedAt: at, UpdatedAt: at}
	if _, err := db.CreateTicket(ctx, tk, 100, rules.Knock()); err != nil {
		t.Fatal(err)
	}
	admit := func(tk *reception.Ticket) (*consultation.Room, error) {
		tk.Clerk, tk.CalledAt, tk.UpdatedAt = "anna", at.Add(3*time.Minute), at.Add(3*time.Minute)
		return nil, nil
	}
	if _, err := apply(ctx, db, "t_1", reception.ActAdmit, "anna", admit); err != nil {
		t.Fatal(err)
	}
	if _, err := apply(ctx, db, "t_1", reception.ActAdmit, "ben", admit); err == nil {
		t.Fatal("a called ticket was admitted again")
	}
	boom := errors.New("room refused")
	if _, err := apply(ctx, db, "t_1", reception.ActEnd, "anna", func(*reception.Ticket) (*consultation.Room, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Fatalf("failing end: %v", err)
	}
	figures := func(db *store.DB) map[stats.Figure]int64 {
		rows, err := db.Figures(ctx, "2026-11-23", "2026-11-23", []string{"bauamt"})
		if err != nil {
			t.Fatal(err)
		}
		out := map[stats.Figure]int64{}
		for _, r := range rows {
			out[r.Figure] += r.N
		}
		return out
	}
	want := map[stats.Figure]int64{stats.Knocks: 1, stats.Lang: 1, stats.Admitted: 1, stats.Wait: 1}
	check := func(when string, got map[stats.Figure]int64) {
		t.Helper()
		if len(got) != len(want) {
			t.Errorf("%s: figures %v, want %v", when, got, want)
		}
		for f, n := range want {
			if got[f] != n {
				t.Errorf("%s: %s = %d, want %d", when, f, got[f], n)
			}
		}
	}
	check("after the refused changes", figures(db))
	if _, err := apply(ctx, db, "t_1", reception.ActEnd, "anna", func(tk *reception.Ticket) (*consultation.Room, error) {
		tk.StartedAt, tk.EndedAt, tk.UpdatedAt = tk.CalledAt, at.Add(20*time.Minute), at.Add(20*time.Minute)
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	want[stats.Consultations], want[stats.Handling] = 1, 1
	check("after the end", figures(db))
	future := time.Now().Add(time.Hour)
	if _, err := db.Purge(ctx, []reception.PurgeRule{{ContentBefore: future, PersonalBefore: future}}, future); err != nil {
		t.Fatal(err)
	}
	check("after the purge", figures(db))
	db.Close()
	db, err = sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	check("after reopening", figures(db))
}

// TestAdmissionCountsOncePerOffice: a ticket sent back to the waiting
// room and called again, or forwarded within its office and called
// again, is one admission there; forwarded to another office and called
// there, it is one admission in each.
func TestAdmissionCountsOncePerOffice(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	tk := &reception.Ticket{ID: "t_1", OfficeID: "bauamt", Number: "BA", Day: "2026-11-23", TokenHash: []byte{1},
		Language: "de", State: reception.StateWaiting, KnockedAt: at, UpdatedAt: at}
	if _, err := db.CreateTicket(ctx, tk, 100, rules.Knock()); err != nil {
		t.Fatal(err)
	}
	step := func(a reception.Action, mutate func(*reception.Ticket)) {
		t.Helper()
		if _, err := apply(ctx, db, "t_1", a, "anna", func(tk *reception.Ticket) (*consultation.Room, error) {
			tk.UpdatedAt = at.Add(time.Minute)
			if mutate != nil {
				mutate(tk)
			}
			return nil, nil
		}); err != nil {
			t.Fatalf("%s: %v", a, err)
		}
	}
	called := func(tk *reception.Ticket) { tk.CalledAt = at.Add(time.Minute) }
	step(reception.ActAdmit, called)
	step(reception.ActReturn, nil)
	step(reception.ActAdmit, called)
	step(reception.ActForward, func(tk *reception.Ticket) { tk.ReservedFor = "ben" }) // a colleague here
	step(reception.ActAdmit, called)
	step(reception.ActForward, func(tk *reception.Ticket) { tk.OfficeID, tk.ForwardedFrom = "buergerbuero", "bauamt" })
	step(reception.ActAdmit, called)
	rows, err := db.Figures(ctx, "2026-11-23", "2026-11-23", []string{"bauamt", "buergerbuero"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, r := range rows {
		got[r.Office+" "+string(r.Figure)] += r.N
	}
	for k, n := range map[string]int64{"bauamt admitted": 1, "buergerbuero admitted": 1, "bauamt wait": 1, "buergerbuero wait": 1, "bauamt forwarded": 2} {
		if got[k] != n {
			t.Errorf("%s = %d, want %d (all: %v)", k, got[k], n, got)
		}
	}
}
