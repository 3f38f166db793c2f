package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/appointments"
	"github.com/buergerbuero/buergerbuero/appliance/store/sqlite"
)

// TestOccupancyReadsOnlyNearRowsWithTheSameResult: Occupancy bounds its
// index range by start_at > from − MaxLength so that an office's years of
// past rows are not read for a day's calendar. For random windows over a
// year of rows of 10 minutes to 8 hours (held, booked, offered,
// cancelled, expired), it returns exactly the rows the unbounded query
// returns, and a row longer than MaxLength is refused.
func TestOccupancyReadsOnlyNearRowsWithTheSameResult(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	raw, err := sql.Open("sqlite3", "file:"+filepath.Join(dir, "buergerbuero.db")+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(3, 4))
	lengths := []time.Duration{10 * time.Minute, 15 * time.Minute, 30 * time.Minute, 2 * time.Hour, 8 * time.Hour}
	states := []appointments.State{appointments.StateBooked, appointments.StateBooked, appointments.StateHeld, appointments.StateOffered,
		appointments.StateCancelled, appointments.StateExpired}
	err = db.Tx(ctx, func(tx appointments.Tx) error {
		for i := range 3000 {
			start := now.Add(time.Duration(rng.IntN(365*24*4)-300*24*4) * 15 * time.Minute)
			a := appointments.Appointment{ID: fmt.Sprintf("a%d", i), Office: []string{"o1", "o2"}[i%2], Service: "s",
				Start: start, End: start.Add(lengths[rng.IntN(len(lengths))]), State: states[rng.IntN(len(states))],
				Expires: now.Add(time.Duration(rng.IntN(20)-10) * time.Minute), Created: start}
			if err := tx.Insert(a); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	unbounded := func(office string, from, to time.Time) []appointments.Span {
		rows, err := raw.Query(`SELECT start_at, end_at FROM appointments WHERE office_id = ? AND start_at < ? AND end_at > ?
			AND (state IN ('booked', 'offered') OR (state = 'held' AND expires_at > ?))`, office, to.UnixMilli(), from.UnixMilli(), now.UnixMilli())
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []appointments.Span
		for rows.Next() {
			var s, e int64
			if err := rows.Scan(&s, &e); err != nil {
				t.Fatal(err)
			}
			out = append(out, appointments.Span{Start: time.UnixMilli(s), End: time.UnixMilli(e)})
		}
		return out
	}
	sorted := func(s []appointments.Span) []appointments.Span {
		slices.SortFunc(s, func(a, b appointments.Span) int {
			if c := a.Start.Compare(b.Start); c != 0 {
				return c
			}
			return a.End.Compare(b.End)
		})
		return s
	}
	compared := 0
	for range 300 {
		from := now.Add(time.Duration(rng.IntN(365*24*12)-300*24*12) * 5 * time.Minute)
		to := from.Add(time.Duration(1+rng.IntN(7*24*4)) * 15 * time.Minute)
		got, _, err := db.Occupancy(ctx, "o1", from, to, now)
		if err != nil {
			t.Fatal(err)
		}
		want := unbounded("o1", from, to)
		compared += len(want)
		if !slices.EqualFunc(sorted(got), sorted(want), func(a, b appointments.Span) bool { return a.Start.Equal(b.Start) && a.End.Equal(b.End) }) {
			t.Fatalf("[%s, %s): %d rows, the unbounded query %d", from, to, len(got), len(want))
		}
	}
	if compared < 1000 {
		t.Fatalf("only %d rows compared; the windows miss the data", compared)
	}
	err = db.Tx(ctx, func(tx appointments.Tx) error {
		return tx.Insert(appointments.Appointment{ID: "long", Office: "o1", Service: "s", Start: now, End: now.Add(appointments.MaxLength + time.Minute),
			State: appointments.StateBooked, Created: now})
	})
	if err == nil {
		t.Fatalf("an appointment longer than MaxLength was stored: %v", err)
	}
}
