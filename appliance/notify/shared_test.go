package notify_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/notify"
	"github.com/buergerbuero/buergerbuero/appliance/notify/smtptest"
)

// TestSharedOutboxLeavesAnotherNodesClaims: with several nodes on one
// database, a node that starts does not release the claims of a node that
// is still sending them (that would send each message twice); if that
// node died, its messages are sent once its lease has ended, once.
func TestSharedOutboxLeavesAnotherNodesClaims(t *testing.T) {
	srv := smtptest.Start(t)
	clock := newClock(slot.Add(-48 * time.Hour))
	db := openDB(t, t.TempDir())
	defer db.Close()
	enqueue(t, db, clock.Now(), confirmations(3)...)
	policy := notify.Policy{Lease: 2 * time.Minute, Shared: true}
	busy := notify.New(db, map[notify.Channel]notify.Sender{notify.ChannelEmail: emailSender(t, srv)}, policy, clock, nil, quiet)
	notify.SetAfterClaim(busy, func() error { return errCrash })
	if _, err := busy.DeliverDue(context.Background()); !errors.Is(err, errCrash) {
		t.Fatalf("first node: %v, want it stopped after its claim", err)
	}
	other := notify.New(db, map[notify.Channel]notify.Sender{notify.ChannelEmail: emailSender(t, srv)}, policy, clock, nil, quiet)
	if err := other.Recover(context.Background()); err != nil { // as Run does first
		t.Fatal(err)
	}
	if n, err := other.DeliverDue(context.Background()); err != nil || n != 0 {
		t.Fatalf("a starting node sent %d messages another node had claimed (%v)", n, err)
	}
	clock.Advance(3 * time.Minute)
	if n, err := other.DeliverDue(context.Background()); err != nil || n != 3 {
		t.Fatalf("after the lease: sent %d, %v; want 3", n, err)
	}
	srv.Wait(3, 10*time.Second)
	for to, c := range recipients(srv.Messages()) {
		if c != 1 {
			t.Errorf("%s got %d copies", to, c)
		}
	}
}
