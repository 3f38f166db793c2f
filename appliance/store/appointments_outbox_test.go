package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/appointments"
	"github.com/buergerbuero/buergerbuero/appliance/notify"
	"github.com/buergerbuero/buergerbuero/appliance/store"
)

// TestDropUnsentDeletesOnlyTheBookingsUnsentReminders: a cancellation
// drops its booking's pending reminders by dedupe-key prefix (an index
// range, not a scan of every pending message); reminders of a booking
// whose id extends the prefix, sent ones and other kinds stay.
func TestDropUnsentDeletesOnlyTheBookingsUnsentReminders(t *testing.T) {
	forEachDialect(t, testDropUnsentDeletesOnlyTheBookingsUnsentReminders)
}

func testDropUnsentDeletesOnlyTheBookingsUnsentReminders(t *testing.T, open opener) {
	ctx := context.Background()
	db := open()
	keys := []string{"reminder:a_1:0:1440", "reminder:a_1:0:15", "reminder:a_1:1:15", "reminder:a_10:0:15", "reminder:a_1:0:60",
		"confirmation:a_1:0", "reminder:a_0:0:15", "reminder:a_2:0:15", "reminder:a_1;0:15"}
	now := time.Now()
	err := db.Tx(ctx, func(tx appointments.Tx) error {
		for _, k := range keys {
			if err := tx.Enqueue(notify.Message{DedupeKey: k, Kind: notify.KindReminder, Channel: notify.ChannelEmail, Lang: "de"}, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	rw := store.Raw(db)
	if _, err := rw.Exec(`UPDATE outbox SET sent_at = 1 WHERE dedupe_key = 'reminder:a_1:0:60'`); err != nil {
		t.Fatal(err)
	}
	if err := db.Tx(ctx, func(tx appointments.Tx) error { return tx.DropUnsent("reminder:a_1:") }); err != nil {
		t.Fatal(err)
	}
	rows, err := rw.Query(`SELECT dedupe_key FROM outbox ORDER BY dedupe_key`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var left []string
	for rows.Next() {
		var k string
		rows.Scan(&k)
		left = append(left, k)
	}
	want := []string{"confirmation:a_1:0", "reminder:a_0:0:15", "reminder:a_10:0:15", "reminder:a_1:0:60", "reminder:a_1;0:15", "reminder:a_2:0:15"}
	if !slices.Equal(left, want) {
		t.Fatalf("left in the outbox: %q\nwant %q", left, want)
	}
}
