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
)

// TestFiguresAreCountedOnceAndOutliveThePurge: a ticket change counts in
// its own transaction, so a refused change (a second admission) and a
// change whose step fails count nothing; the purge of personal data and
// a reopened database leave the figures as they were.
func TestFiguresAreCountedOnceAndOutliveThePurge(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := store.OpenSQLite(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	tk := &reception.Ticket{ID: "t_1", OfficeID: "bauamt", Number: "BA", Day: "2026-11-23", TokenHash: []byte{1}, Name: "Erika",
		Concern: "Anliegen", Language: "tr", State: reception.StateWaiting, KnockedAt: at, UpdatedAt: at}
	if _, err := db.CreateTicket(ctx, tk, 100); err != nil {
		t.Fatal(err)
	}
	admit := func(tk *reception.Ticket) (*consultation.Room, error) {
		tk.Clerk, tk.CalledAt, tk.UpdatedAt = "anna", at.Add(3*time.Minute), at.Add(3*time.Minute)
		return nil, nil
	}
	if _, err := db.Apply(ctx, "t_1", reception.ActAdmit, "anna", admit); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Apply(ctx, "t_1", reception.ActAdmit, "ben", admit); err == nil {
		t.Fatal("a called ticket was admitted again")
	}
	boom := errors.New("room refused")
	if _, err := db.Apply(ctx, "t_1", reception.ActEnd, "anna", func(*reception.Ticket) (*consultation.Room, error) { return nil, boom }); !errors.Is(err, boom) {
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
	if _, err := db.Apply(ctx, "t_1", reception.ActEnd, "anna", func(tk *reception.Ticket) (*consultation.Room, error) {
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
	db, err = store.OpenSQLite(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	check("after reopening", figures(db))
}
