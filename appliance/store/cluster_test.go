package store_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/onetime"
)

// TestSingleUseKeysAcrossNodes: a key issued through one node's store is
// redeemed through another's, once: a second redemption, an expired key
// and all but one of many concurrent redemptions are refused.
func TestSingleUseKeysAcrossNodes(t *testing.T) { forEachDialect(t, testSingleUseKeysAcrossNodes) }

func testSingleUseKeysAcrossNodes(t *testing.T, open opener) {
	ctx := context.Background()
	a, b := open(), open()
	onA, onB := onetime.New(a, "stream"), onetime.New(b, "stream")
	key, err := onA.Issue(ctx, []byte("grant"), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if body, err := onB.Redeem(ctx, key); err != nil || string(body) != "grant" {
		t.Fatalf("redeem on the other node: %q, %v", body, err)
	}
	if _, err := onA.Redeem(ctx, key); !errors.Is(err, onetime.ErrInvalid) {
		t.Fatalf("second redemption: %v, want ErrInvalid", err)
	}
	if _, err := onetime.New(a, "media").Redeem(ctx, key); !errors.Is(err, onetime.ErrInvalid) {
		t.Fatalf("a key of another kind: %v, want ErrInvalid", err)
	}
	old, _ := onA.Issue(ctx, []byte("old"), -time.Millisecond)
	if _, err := onB.Redeem(ctx, old); !errors.Is(err, onetime.ErrInvalid) {
		t.Fatalf("expired key: %v, want ErrInvalid", err)
	}

	key, _ = onA.Issue(ctx, []byte("once"), time.Minute)
	var won atomic.Int32
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k := []*onetime.Keys{onA, onB}[i%2]
			if _, err := k.Redeem(ctx, key); err == nil {
				won.Add(1)
			} else if !errors.Is(err, onetime.ErrInvalid) {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if won.Load() != 1 {
		t.Fatalf("%d concurrent redemptions succeeded, want 1", won.Load())
	}

	// the table holds the key's hash and a sealed body, never the grant
	var n int
	raw := a.ReadDB()
	if err := raw.QueryRow(`SELECT COUNT(*) FROM single_use WHERE key_hash = ?`, key).Scan(&n); err != nil || n != 0 {
		t.Fatalf("a row under the key itself: %d %v", n, err)
	}
	if _, err := onA.Issue(ctx, []byte("Bearer tk_geheim"), time.Minute); err != nil {
		t.Fatal(err)
	}
	rows, err := raw.Query(`SELECT body FROM single_use`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var body []byte
		rows.Scan(&body)
		if bytes.Contains(body, []byte("geheim")) {
			t.Fatal("a single-use key's body is stored readable")
		}
	}
}

// TestSharedSecretFirstNodeWins: every node gets the secret the first one
// stored.
func TestSharedSecretFirstNodeWins(t *testing.T) { forEachDialect(t, testSharedSecretFirstNodeWins) }

func testSharedSecretFirstNodeWins(t *testing.T, open opener) {
	ctx := context.Background()
	a, b := open(), open()
	first, err := a.SharedSecret(ctx, "pow", []byte("first"))
	if err != nil || string(first) != "first" {
		t.Fatalf("first node: %q %v", first, err)
	}
	if got, err := b.SharedSecret(ctx, "pow", []byte("second")); err != nil || string(got) != "first" {
		t.Fatalf("second node: %q %v, want the first node's secret", got, err)
	}
}

// TestListenWakesOtherNodes: an event committed through one node's store
// wakes the listener of another (PostgreSQL's NOTIFY), and the event
// names the node that wrote it.
func TestListenWakesOtherNodes(t *testing.T) {
	open := newOpener(t, "postgres")
	a, b := open(), open()
	a.SetNode("node-a")
	ctx, cancel := context.WithCancel(context.Background())
	wake := make(chan struct{}, 16)
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.Listen(ctx, slog.New(slog.DiscardHandler), func() { wake <- struct{}{} })
	}()
	defer func() { cancel(); <-done }()
	waitWake := func(what string) {
		t.Helper()
		select {
		case <-wake:
		case <-time.After(10 * time.Second):
			t.Fatalf("no wake-up: %s", what)
		}
	}
	waitWake("after connecting (catch-up)")
	seq, err := a.AddEvent(context.Background(), "presence", []byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	waitWake("after node a committed an event")
	evs, err := b.Events(context.Background(), seq-1, 10)
	if err != nil || len(evs) != 1 || evs[0].Node != "node-a" {
		t.Fatalf("events on node b: %+v %v", evs, err)
	}
}

// TestSpendOnceAcrossNodes: a proof-of-work solution spent through one
// node's store is spent for every node.
func TestSpendOnceAcrossNodes(t *testing.T) { forEachDialect(t, testSpendOnceAcrossNodes) }

func testSpendOnceAcrossNodes(t *testing.T, open opener) {
	ctx := context.Background()
	a, b := open(), open()
	exp := time.Now().Add(time.Minute)
	if ok, err := a.SpendOnce(ctx, "pow", "h1", exp); !ok || err != nil {
		t.Fatalf("first spend: %v %v", ok, err)
	}
	if ok, err := b.SpendOnce(ctx, "pow", "h1", exp); ok || err != nil {
		t.Fatalf("second spend on another node: %v %v, want false", ok, err)
	}
}

// TestKnockOrderIsCommitOrder: a knock committed after another in the same
// office and day is stamped later, even when the node that took it has a
// clock behind (two nodes, clocks apart): the queue's order by knock time
// is the order of the numbers.
func TestKnockOrderIsCommitOrder(t *testing.T) { forEachDialect(t, testKnockOrderIsCommitOrder) }

func testKnockOrderIsCommitOrder(t *testing.T, open opener) {
	a, b := open(), open()
	now := time.Now().Truncate(time.Millisecond)
	first, _, err := knock(t, a, "t_a", now)
	if err != nil {
		t.Fatal(err)
	}
	for i, at := range []time.Time{now.Add(-time.Second), now} {
		second, ch, err := knock(t, b, "t_b"+string(rune('0'+i)), at)
		if err != nil {
			t.Fatal(err)
		}
		if !second.KnockedAt.After(first.KnockedAt) || !ch.Ticket.KnockedAt.Equal(second.KnockedAt) {
			t.Fatalf("knock %s stamped %v, after %s at %v", ch.Ticket.Number, second.KnockedAt, first.Number, first.KnockedAt)
		}
		first = second
	}
	active, err := b.ActiveTickets(context.Background())
	if err != nil || len(active) != 3 || active[0].Number != "BA-001" || active[2].Number != "BA-003" {
		t.Fatalf("queue order: %+v %v", active, err)
	}
}

// TestListenReconnectsAndCatchesUp: when the listening connection is cut
// (a PostgreSQL restart, a fail-over), the listener connects again by
// itself, wakes its caller to catch up on what was committed meanwhile,
// and later commits wake it again.
func TestListenReconnectsAndCatchesUp(t *testing.T) {
	open := newOpener(t, "postgres")
	a, b := open(), open()
	ctx, cancel := context.WithCancel(context.Background())
	wake := make(chan struct{}, 16)
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.Listen(ctx, slog.New(slog.DiscardHandler), func() { wake <- struct{}{} })
	}()
	defer func() { cancel(); <-done }()
	waitWake := func(what string) {
		t.Helper()
		select {
		case <-wake:
		case <-time.After(10 * time.Second):
			t.Fatalf("no wake-up: %s", what)
		}
	}
	waitWake("after connecting")
	var cut int
	if err := a.ReadDB().QueryRow(`SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND query = 'LISTEN bb_events' AND pid <> pg_backend_pid()`).Scan(&cut); err != nil || cut != 1 {
		t.Fatalf("cut the listening connection: %d %v", cut, err)
	}
	if _, err := a.AddEvent(context.Background(), "presence", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	waitWake("after the connection was cut (reconnect and catch up)")
	for len(wake) > 0 {
		<-wake
	}
	if _, err := a.AddEvent(context.Background(), "presence", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	waitWake("a commit after the reconnect")
}
