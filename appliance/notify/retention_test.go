package notify_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/notify"
	"github.com/buergerbuero/buergerbuero/appliance/store/storetest"
)

func rawDB(t *testing.T, dir string) *sql.DB { return storetest.Raw(t, dir) }

// TestRecipientsAreDeletedAfterKeep: a week after delivery the running
// loop has removed the address and the text; the admin counts remain.
func TestRecipientsAreDeletedAfterKeep(t *testing.T) {
	dir := t.TempDir()
	db := openDB(t, dir)
	defer db.Close()
	clock := newClock(slot.Add(-10 * 24 * time.Hour))
	enqueue(t, db, clock.Now(), confirmations(2)...)
	o := notify.New(db, map[notify.Channel]notify.Sender{notify.ChannelEmail: stubSender{}}, notify.Policy{Keep: 7 * 24 * time.Hour}, clock, nil, quiet)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	parked := clock.parkedCh()
	go func() { defer close(done); o.Run(ctx) }()
	defer func() { cancel(); <-done }()
	raw := rawDB(t, dir)
	addresses := func() (n int) {
		raw.QueryRow(`SELECT COUNT(*) FROM outbox WHERE recipient <> '' OR payload LIKE '%Bauamt%'`).Scan(&n)
		return n
	}
	sleep := func() { // wait until the loop sleeps
		t.Helper()
		select {
		case <-parked:
		case <-time.After(10 * time.Second):
			t.Fatal("loop did not go to sleep")
		}
		parked = clock.parkedCh()
	}
	sleep()
	for _, d := range []time.Duration{0, 6 * 24 * time.Hour} {
		clock.Advance(d)
		if d > 0 {
			sleep()
		}
		if n := addresses(); n != 2 {
			t.Fatalf("%v after delivery: %d rows with personal data, want 2 (kept a week)", d, n)
		}
	}
	clock.Advance(26 * time.Hour)
	sleep()
	if n := addresses(); n != 0 {
		t.Errorf("after a week: %d rows still hold an address or text", n)
	}
	if st, _ := o.Status(ctx); st.Sent != 2 {
		t.Errorf("admin count after scrubbing: %+v", st)
	}
}

// TestUnreadableRowDoesNotBlockTheOthers: a row whose payload cannot be
// read is given up; the messages behind it still go out.
func TestUnreadableRowDoesNotBlockTheOthers(t *testing.T) {
	dir := t.TempDir()
	db := openDB(t, dir)
	defer db.Close()
	clock := newClock(slot.Add(-48 * time.Hour))
	now := clock.Now().UnixMilli()
	if _, err := rawDB(t, dir).Exec(`INSERT INTO outbox (dedupe_key, kind, channel, recipient, lang, payload, created_at, next_attempt)
		VALUES ('broken', 'code', 'email', 'x@example.org', 'de', '{not json', ?, ?)`, now, now); err != nil {
		t.Fatal(err)
	}
	enqueue(t, db, clock.Now(), confirmations(2)...)
	o := notify.New(db, map[notify.Channel]notify.Sender{notify.ChannelEmail: stubSender{}}, notify.Policy{}, clock, nil, quiet)
	if n, err := o.DeliverDue(context.Background()); err != nil || n != 2 {
		t.Fatalf("DeliverDue = %d, %v; want the 2 readable messages sent", n, err)
	}
	if st, _ := o.Status(context.Background()); st.Sent != 2 || st.Failed != 1 || st.Recent[0].LastError != "unreadable payload" {
		t.Errorf("status %+v", st)
	}
}
