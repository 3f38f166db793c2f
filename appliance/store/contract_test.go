package store_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/appointments"
	"github.com/buergerbuero/buergerbuero/appliance/audit"
	"github.com/buergerbuero/buergerbuero/appliance/consultation"
	"github.com/buergerbuero/buergerbuero/appliance/notify"
	"github.com/buergerbuero/buergerbuero/appliance/permanent"
	"github.com/buergerbuero/buergerbuero/appliance/reception"
	"github.com/buergerbuero/buergerbuero/appliance/store"
)

// The contract of reception.Store and appointments.Store under
// concurrency and failure, on both dialects.

func knock(t *testing.T, db *store.DB, id string, at time.Time) (reception.Ticket, reception.Change, error) {
	tk := &reception.Ticket{ID: id, OfficeID: "bauamt", Number: "BA", Day: at.Format("2006-01-02"), TokenHash: []byte{1},
		Language: "de", State: reception.StateWaiting, KnockedAt: at, UpdatedAt: at}
	ch, err := db.CreateTicket(context.Background(), tk, 1000, rules.Knock())
	return *tk, ch, err
}

func count(t *testing.T, db *store.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := store.Raw(db).QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// TestConcurrentKnocksNumberedInOrder: 200 citizens knocking at once get
// the numbers 1 to 200, each once, in the order their knocks committed
// (the order of their events, which is the queue's order on every node).
func TestConcurrentKnocksNumberedInOrder(t *testing.T) {
	forEachDialect(t, testConcurrentKnocksNumberedInOrder)
}

func testConcurrentKnocksNumberedInOrder(t *testing.T, open opener) {
	db := open()
	const n = 200
	now := time.Now()
	changes := make([]reception.Change, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, changes[i], errs[i] = knock(t, db, fmt.Sprintf("t_%03d", i), now)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	sort.Slice(changes, func(i, j int) bool { return changes[i].Seq < changes[j].Seq })
	for i, ch := range changes {
		if want := reception.FormatNumber("BA", i+1); ch.Ticket.Number != want {
			t.Fatalf("knock %d in commit order (seq %d) got number %s, want %s", i+1, ch.Seq, ch.Ticket.Number, want)
		}
		if i > 0 && ch.Seq == changes[i-1].Seq {
			t.Fatalf("two knocks share event seq %d", ch.Seq)
		}
	}
	if got := count(t, db, `SELECT COUNT(DISTINCT number) FROM tickets`); got != n {
		t.Fatalf("%d distinct numbers stored, want %d", got, n)
	}
	evs, err := db.Events(context.Background(), 0, 1000)
	if err != nil || len(evs) != n {
		t.Fatalf("events: %d, %v", len(evs), err)
	}
}

// TestConcurrentAdmissionsOneWins: clerks admitting the same ticket at
// once: exactly one wins; the others are refused and leave no room, event
// or audit entry behind.
func TestConcurrentAdmissionsOneWins(t *testing.T) {
	forEachDialect(t, testConcurrentAdmissionsOneWins)
}

func testConcurrentAdmissionsOneWins(t *testing.T, open opener) {
	db := open()
	ctx := context.Background()
	now := time.Now()
	for round := range 10 {
		id := fmt.Sprintf("t_%d", round)
		if _, _, err := knock(t, db, id, now); err != nil {
			t.Fatal(err)
		}
		const clerks = 8
		var wg sync.WaitGroup
		var mu sync.Mutex
		var won []string
		for c := range clerks {
			wg.Add(1)
			go func() {
				defer wg.Done()
				clerk, room := fmt.Sprintf("clerk%d", c), fmt.Sprintf("r_%d_%d", round, c)
				_, err := apply(ctx, db, id, reception.ActAdmit, clerk, func(tk *reception.Ticket) (*consultation.Room, error) {
					tk.Clerk, tk.RoomID, tk.CalledAt, tk.UpdatedAt = clerk, room, now, now
					return &consultation.Room{ID: room, TicketID: id, OfficeID: tk.OfficeID, Clerk: clerk, CreatedAt: now}, nil
				})
				if err == nil {
					mu.Lock()
					won = append(won, clerk)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if len(won) != 1 {
			t.Fatalf("round %d: %d admissions won (%v), want exactly one", round, len(won), won)
		}
		tk, err := db.Ticket(ctx, id)
		if err != nil || tk.State != reception.StateCalled || tk.Clerk != won[0] {
			t.Fatalf("round %d: ticket after the race: %+v, %v (winner %s)", round, tk, err, won[0])
		}
		if rooms := count(t, db, `SELECT COUNT(*) FROM rooms WHERE ticket_id = ?`, id); rooms != 1 {
			t.Fatalf("round %d: %d rooms opened", round, rooms)
		}
		if a := count(t, db, `SELECT COUNT(*) FROM audit WHERE ticket_id = ? AND action = 'admit'`, id); a != 1 {
			t.Fatalf("round %d: %d admit audit entries", round, a)
		}
	}
}

// TestApplyFailureWritesNothing: a transition that fails half-way (its
// room cannot be stored) leaves the ticket, the event stream and the audit
// log as they were.
func TestApplyFailureWritesNothing(t *testing.T) { forEachDialect(t, testApplyFailureWritesNothing) }

func testApplyFailureWritesNothing(t *testing.T, open opener) {
	db := open()
	ctx := context.Background()
	now := time.Now()
	for _, id := range []string{"t_a", "t_b"} {
		if _, _, err := knock(t, db, id, now); err != nil {
			t.Fatal(err)
		}
	}
	admit := func(id string) error {
		_, err := apply(ctx, db, id, reception.ActAdmit, "anna", func(tk *reception.Ticket) (*consultation.Room, error) {
			tk.Clerk, tk.RoomID, tk.CalledAt, tk.UpdatedAt = "anna", "r_same", now, now
			return &consultation.Room{ID: "r_same", TicketID: id, OfficeID: tk.OfficeID, Clerk: "anna", CreatedAt: now}, nil
		})
		return err
	}
	if err := admit("t_a"); err != nil {
		t.Fatal(err)
	}
	seq, _ := db.LastEventSeq(ctx)
	audits := count(t, db, `SELECT COUNT(*) FROM audit`)
	// the ticket's UPDATE succeeds, the room's INSERT then fails
	if err := admit("t_b"); err == nil {
		t.Fatal("a second room under the same id was accepted")
	}
	if tk, _ := db.Ticket(ctx, "t_b"); tk.State != reception.StateWaiting || tk.Clerk != "" || tk.RoomID != "" {
		t.Fatalf("failed admission changed the ticket: %+v", tk)
	}
	if after, _ := db.LastEventSeq(ctx); after != seq {
		t.Fatalf("failed admission left an event (seq %d → %d)", seq, after)
	}
	if a := count(t, db, `SELECT COUNT(*) FROM audit`); a != audits {
		t.Fatalf("failed admission left %d audit entries", a-audits)
	}
}

// TestAppointmentTxKeepsAllOrNothing: the outbox message and the audit
// entry of an appointment transaction are stored with it, or not at all
// when it fails.
func TestAppointmentTxKeepsAllOrNothing(t *testing.T) {
	forEachDialect(t, testAppointmentTxKeepsAllOrNothing)
}

func testAppointmentTxKeepsAllOrNothing(t *testing.T, open opener) {
	db := open()
	ctx := context.Background()
	now := time.Now()
	start := now.Add(24 * time.Hour).Truncate(time.Minute)
	book := func(id string, fail error) error {
		return db.Tx(ctx, func(tx appointments.Tx) error {
			a := appointments.Appointment{ID: id, Office: "bauamt", Service: "pass", Start: start, End: start.Add(15 * time.Minute),
				State: appointments.StateBooked, Created: now}
			if err := tx.Insert(a); err != nil {
				return err
			}
			m := notify.Message{DedupeKey: "confirmation:" + id, Kind: notify.KindConfirmation, Channel: notify.ChannelEmail, Lang: "de"}
			if err := tx.Enqueue(m, now); err != nil {
				return err
			}
			if err := tx.Audit(now, "citizen", "book", "bauamt", id); err != nil {
				return err
			}
			return fail
		})
	}
	boom := errors.New("boom")
	if err := book("a_fail", boom); !errors.Is(err, boom) {
		t.Fatalf("failing transaction: %v", err)
	}
	if err := book("a_ok", nil); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		what, query string
	}{
		{"appointment", `SELECT COUNT(*) FROM appointments WHERE id = ?`},
		{"outbox message", `SELECT COUNT(*) FROM outbox WHERE dedupe_key = 'confirmation:' || ?`},
		{"audit entry", `SELECT COUNT(*) FROM audit WHERE detail = ?`},
	} {
		if n := count(t, db, c.query, "a_fail"); n != 0 {
			t.Errorf("failed transaction kept its %s", c.what)
		}
		if n := count(t, db, c.query, "a_ok"); n != 1 {
			t.Errorf("committed transaction has %d of its %s", n, c.what)
		}
	}
}

// TestFlagsRoundTrip: a Go bool written as a statement argument (a
// permanent room that keeps its documents) reads back as written on both
// dialects; PostgreSQL keeps flags in integer columns, as SQLite does.
func TestFlagsRoundTrip(t *testing.T) { forEachDialect(t, testFlagsRoundTrip) }

func testFlagsRoundTrip(t *testing.T, open opener) {
	db := open()
	ctx := context.Background()
	for _, keep := range []bool{true, false} {
		id := fmt.Sprintf("r_keep_%t", keep)
		r := permanent.Room{ID: id, OfficeID: "bauamt", Title: "Raum " + id, KeepDocuments: keep, CreatedBy: "carla", CreatedAt: time.Now()}
		if err := db.CreatePermanentRoom(ctx, r, audit.Entry{Actor: "carla", Action: "permanent_room_created"}); err != nil {
			t.Fatal(err)
		}
		got, err := db.PermanentRoom(ctx, id)
		if err != nil || got.KeepDocuments != keep {
			t.Fatalf("room %s: keep_documents %v, %v; want %v", id, got.KeepDocuments, err, keep)
		}
	}
}
