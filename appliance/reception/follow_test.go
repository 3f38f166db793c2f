package reception_test

import (
	"context"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/reception"
	"github.com/buergerbuero/buergerbuero/appliance/staff"
)

// views records the views a live connection receives.
type views chan reception.View

func (v views) Update(x reception.View) {
	select {
	case v <- x:
	default:
	}
}

// TestFollowerAppliesOtherNodesChanges: two nodes on one database. A knock
// and an admission on node A reach node B's queue, its waiting citizen's
// live connection and its staff streams once B's follower is woken; B
// saves no presence itself, and ends the media of the closed room (media
// is per node).
func TestFollowerAppliesOtherNodesChanges(t *testing.T) {
	ctx := context.Background()
	var mediaEnded []string
	a, b, follow := twoNodes(t, func(_, b *fixture) {
		b.svc.PresenceChanged = func(string, staff.Presence) { t.Error("node B changed a clerk's presence for node A's admission") }
		b.svc.RoomEnded = func(room string) { mediaEnded = append(mediaEnded, room) }
	})

	x := knock(t, a, "bauamt", "eins")
	y := knock(t, a, "bauamt", "zwei")
	follow("two knocks on node A")
	if q := b.svc.Queue("bauamt"); len(q) != 2 || q[0].ID != x.Ticket.ID || q[1].Place != 2 {
		t.Fatalf("node B's queue after two knocks on A: %+v", q)
	}
	seen := make(views, 8)
	_, unsubscribe := b.svc.Hub.Subscribe(y.Ticket.ID, seen)
	defer unsubscribe()

	anna := reception.Actor{Clerk: clerkAnna}
	admitted, err := a.svc.Admit(ctx, anna, x.Ticket.Number)
	if err != nil {
		t.Fatal(err)
	}
	follow("admission on node A")
	if _, err := a.svc.End(ctx, anna, x.Ticket.Number); err != nil {
		t.Fatal(err)
	}
	follow("end on node A")
	// the media of the room, wherever it ran, ends on node B too
	if len(mediaEnded) != 1 || mediaEnded[0] != admitted.RoomID {
		t.Fatalf("node B ended the media of %v, want [%s]", mediaEnded, admitted.RoomID)
	}
	select {
	case v := <-seen:
		if v.Place != 1 {
			t.Fatalf("the citizen on node B saw place %d, want 1", v.Place)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the citizen waiting on node B got no view")
	}
	if q := b.svc.Queue("bauamt"); len(q) != 1 || q[0].ID != y.Ticket.ID {
		t.Fatalf("node B's queue after the end on A: %+v", q)
	}
}

// TestOfficeChangeReachesOtherNodes: an office changed through node A
// (the web administration) is read again by node B's follower.
func TestOfficeChangeReachesOtherNodes(t *testing.T) {
	ctx := context.Background()
	a, b, follow := twoNodes(t, nil)

	offices, err := a.db.Offices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	o := offices[0]
	o.Name = "Bauamt (neu)"
	if err := a.db.UpsertOffice(ctx, o); err != nil {
		t.Fatal(err)
	}
	if err := a.svc.ReloadOffices(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a.svc.AnnounceOffices(ctx); err != nil {
		t.Fatal(err)
	}
	follow("the office change")
	for _, st := range b.svc.Offices() {
		if st.ID == o.ID && st.Name != "Bauamt (neu)" {
			t.Fatalf("node B still shows %q", st.Name)
		}
	}
}

// TestCitizenMovedToAnotherNodeIsNotAbandoned: a citizen's connection to
// node A closes after they reconnected to node B (a dead node's TCP
// timeout, say). A records the disconnection; B, which holds the live
// connection, clears it on its next sweep, and no node abandons the
// ticket after the grace period.
func TestCitizenMovedToAnotherNodeIsNotAbandoned(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	a := newFixture(t, monday(9, 0), dir, nil)
	b := newFixture(t, a.now(), dir, nil)
	x := knock(t, a, "buergerbuero", "eins")
	_, unsubscribe := b.svc.Hub.Subscribe(x.Ticket.ID, watcher{})
	defer unsubscribe()
	if err := b.svc.Connected(ctx, x.Ticket.ID); err != nil {
		t.Fatal(err)
	}
	if err := a.svc.Disconnected(ctx, x.Ticket.ID); err != nil {
		t.Fatal(err)
	}
	b.advance(30 * time.Second)
	if err := b.svc.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	a.advance(5 * time.Minute)
	if err := a.svc.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	v, err := a.svc.TicketView(ctx, x.Ticket.ID, x.Token)
	if err != nil || v.State != reception.StateWaiting {
		t.Fatalf("the citizen connected to node B: %+v %v, want still waiting", v, err)
	}
}

// TestPresenceReachesOtherNodes: a clerk who goes on duty through node A
// (the only one of the office) is counted on node B too, and an admission
// on A shows the clerk in consultation on B; B saves no presence itself.
func TestPresenceReachesOtherNodes(t *testing.T) {
	ctx := context.Background()
	stored := map[string]staff.Clerk{}
	a, b, follow := twoNodes(t, func(_, b *fixture) {
		b.svc.LoadClerk = func(_ context.Context, login string) (staff.Clerk, error) { return stored[login], nil }
		b.svc.PresenceChanged = func(string, staff.Presence) { t.Error("node B saved a presence node A changed") }
	})
	onDuty := func(f *fixture) int {
		st, _ := f.svc.OfficeStatus("buergerbuero")
		return st.ClerksOnDuty
	}
	for _, c := range []staff.Clerk{clerkAnna, clerkBen} {
		c.Presence = staff.PresenceOffline
		stored[c.Login] = c
		if err := a.svc.ClerkChanged(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	follow("both clerks offline on node A")
	if n := onDuty(b); n != 0 {
		t.Fatalf("node B counts %d clerks on duty, want 0", n)
	}
	anna := clerkAnna
	stored["anna"] = anna
	if err := a.svc.ClerkChanged(ctx, anna); err != nil {
		t.Fatal(err)
	}
	follow("anna available on node A")
	if n := onDuty(b); n != 1 {
		t.Fatalf("node B counts %d clerks on duty, want 1", n)
	}
	x := knock(t, a, "buergerbuero", "eins")
	if _, err := a.svc.Admit(ctx, reception.Actor{Clerk: anna}, x.Ticket.Number); err != nil {
		t.Fatal(err)
	}
	follow("admission on node A")
	if q := b.svc.Queue("buergerbuero"); len(q) != 1 || q[0].State != reception.StateCalled {
		t.Fatalf("node B's queue: %+v", q)
	}
	if st, _ := b.svc.OfficeStatus("buergerbuero"); st.ChairsFree != 0 {
		t.Fatalf("node B shows %d free chairs while the only clerk is in a consultation", st.ChairsFree)
	}
}

// TestKnockAnswerCountsAnotherNodesEarlierKnock: a knock on node A, then
// one on node B before anything woke B's follower: B's answer names the
// true place (2), not the place in B's stale replica (1).
func TestKnockAnswerCountsAnotherNodesEarlierKnock(t *testing.T) {
	// follow is never called: only the knock itself makes B read
	a, b, _ := twoNodes(t, nil)

	first := knock(t, a, "bauamt", "eins")
	second := knock(t, b, "bauamt", "zwei")
	if first.View.Place != 1 || second.View.Place != 2 {
		t.Fatalf("places in the answers: A %d, B %d; want 1 and 2", first.View.Place, second.View.Place)
	}
	if q := b.svc.Queue("bauamt"); len(q) != 2 || q[0].ID != first.Ticket.ID {
		t.Fatalf("node B's queue: %+v", q)
	}
}

// twoNodes starts nodes A and B on one database, B following A from now:
// follow wakes B's follower and waits until B's staff streams are woken;
// without it B reads only when it asks itself. before runs ahead of the
// follower (hooks B needs from the start). The follower stops with the
// test.
func twoNodes(t *testing.T, before func(a, b *fixture)) (a, b *fixture, follow func(what string)) {
	t.Helper()
	dir := t.TempDir()
	a = newFixture(t, monday(9, 0), dir, nil)
	b = newFixture(t, a.now(), dir, nil)
	a.db.SetNode("node-a")
	b.db.SetNode("node-b")
	if before != nil {
		before(a, b)
	}
	ctx, cancel := context.WithCancel(context.Background())
	from, err := b.svc.LastEventSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wake := make(chan struct{}, 1)
	done := make(chan struct{})
	go func() { defer close(done); b.svc.Follow(ctx, "node-b", from, wake) }()
	t.Cleanup(func() { cancel(); <-done })
	return a, b, func(what string) {
		t.Helper()
		changed := b.svc.Hub.EventsChanged()
		wake <- struct{}{}
		select {
		case <-changed:
		case <-time.After(5 * time.Second):
			t.Fatalf("node B did not follow: %s", what)
		}
	}
}
