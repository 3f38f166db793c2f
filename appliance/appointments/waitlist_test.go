package appointments_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/appointments"
	"github.com/buergerbuero/buergerbuero/appliance/notify"
	"github.com/buergerbuero/buergerbuero/appliance/staff"
)

// joinWaitlist joins (and, when verify is set, confirms) the waitlist.
func (f *fixture) joinWaitlist(day, contact string, verify bool) string {
	f.t.Helper()
	ctx := context.Background()
	h, err := f.book.JoinWaitlist(ctx, appointments.WaitRequest{Office: "bauamt", Service: "ausweis", Day: day, Contact: contact, Lang: "tr"})
	if err != nil {
		f.t.Fatal(err)
	}
	if verify {
		m, _, _ := f.message("code:" + h.ID)
		if err := f.book.ConfirmWaitlist(ctx, h.ID, m.Code); err != nil {
			f.t.Fatal(err)
		}
	}
	return h.ID
}

func (f *fixture) offered(slot time.Time) bool {
	slots, err := f.book.Slots(context.Background(), "bauamt", "ausweis", slot.Add(-time.Hour), slot.Add(time.Hour))
	if err != nil {
		f.t.Fatal(err)
	}
	for _, s := range slots {
		if s.Start.Equal(slot) {
			return true
		}
	}
	return false
}

// offerFor returns the waitlist offer stored for entry w, and its token.
func (f *fixture) offerFor(w string) (id, token string, ok bool) {
	var key string
	if err := f.raw.QueryRow(`SELECT dedupe_key FROM outbox WHERE kind = 'waitlist_offer' AND dedupe_key LIKE ?`, "%:"+w).Scan(&key); err != nil {
		return "", "", false
	}
	m, _, _ := f.message(key)
	if m.Kind != notify.KindWaitlistOffer || m.Lang != "tr" {
		f.t.Fatalf("offer %+v", m)
	}
	u, tok, _ := strings.Cut(m.AcceptURL, "#")
	return u[strings.LastIndex(u, "/")+1:], tok, true
}

func TestCancelledSlotGoesToTheFirstVerifiedWaitlistEntry(t *testing.T) {
	f := newFixture(t, "", monday)
	ctx := context.Background()
	slot := at("2026-06-03 10:00")
	b := f.bookSlot("ausweis", slot, "a@example.org")
	unverified := f.joinWaitlist("2026-06-03", "early@example.org", false) // first, but never confirms
	first := f.joinWaitlist("2026-06-03", "first@example.org", true)
	second := f.joinWaitlist("2026-06-03", "second@example.org", true)

	if err := f.book.Cancel(ctx, b.ID, b.CancelToken); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := f.offerFor(unverified); ok {
		t.Fatal("an unverified entry got the offer")
	}
	if _, _, ok := f.offerFor(first); !ok {
		t.Fatal("the first verified entry got no offer")
	}
	if f.offered(slot) {
		t.Fatal("the freed slot is in the open calendar while offered to the waitlist")
	}
	if _, _, err := f.hold("ausweis", slot, "scanner@example.org"); !errors.Is(err, appointments.ErrSlotTaken) {
		t.Fatalf("a calendar scanner holds the offered slot: %v", err)
	}

	// the first lets the window pass: the offer moves to the second
	f.clock.add(31 * time.Minute)
	if err := f.book.ExpireOffers(ctx); err != nil {
		t.Fatal(err)
	}
	offerID, tok, ok := f.offerFor(second)
	if !ok {
		t.Fatal("the second verified entry got no offer after the first expired")
	}
	if f.offered(slot) {
		t.Fatal("the slot reappeared in the calendar between two offers")
	}
	if _, err := f.book.Accept(ctx, offerID, "wrong"); !errors.Is(err, appointments.ErrBadToken) {
		t.Fatalf("accept with a wrong token: %v", err)
	}
	got, err := f.book.Accept(ctx, offerID, tok)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Start.Equal(slot) || got.CancelToken == "" {
		t.Fatalf("accepted booking %+v", got)
	}
	if n := f.count(`SELECT COUNT(*) FROM outbox WHERE kind = 'confirmation' AND recipient = 'second@example.org'`); n != 1 {
		t.Fatalf("%d confirmations to the second entry", n)
	}
	if n := f.count(`SELECT COUNT(*) FROM audit WHERE action = 'waitlist_offer'`); n != 2 {
		t.Fatalf("%d hand-overs audited, want 2", n)
	}

	// cancelled again with nobody left waiting: back to the calendar
	if err := f.book.Cancel(ctx, got.ID, got.CancelToken); err != nil {
		t.Fatal(err)
	}
	if !f.offered(slot) {
		t.Fatal("with the waitlist empty, the freed slot did not return to the calendar")
	}
}

func TestUnacceptedOfferWithNobodyWaitingReturnsToTheCalendar(t *testing.T) {
	f := newFixture(t, "", monday)
	ctx := context.Background()
	slot := at("2026-06-03 10:00")
	b := f.bookSlot("ausweis", slot, "a@example.org")
	f.joinWaitlist("2026-06-03", "first@example.org", true)
	if err := f.book.Cancel(ctx, b.ID, b.CancelToken); err != nil {
		t.Fatal(err)
	}
	f.clock.add(31 * time.Minute)
	if err := f.book.ExpireOffers(ctx); err != nil {
		t.Fatal(err)
	}
	if !f.offered(slot) {
		t.Fatal("an expired offer did not return the slot to the calendar")
	}
}

func TestClerkBlocksAddsBooksAndCancels(t *testing.T) {
	f := newFixture(t, "", monday)
	ctx := context.Background()
	clerk := staff.Clerk{Login: "mia", Role: staff.RoleClerk, Offices: []string{"bauamt"}}
	other := staff.Clerk{Login: "tom", Role: staff.RoleClerk, Offices: []string{"standesamt"}}
	block := appointments.Adjustment{Office: "bauamt", Start: at("2026-06-03 10:00"), End: at("2026-06-03 11:00"), Chairs: -1}
	if err := f.book.AdjustCapacity(ctx, other, block); !errors.Is(err, appointments.ErrNotMember) {
		t.Fatalf("clerk of another office blocks: %v", err)
	}
	if err := f.book.AdjustCapacity(ctx, clerk, block); err != nil {
		t.Fatal(err)
	}
	if f.offered(at("2026-06-03 10:15")) {
		t.Fatal("blocked slot still offered")
	}
	// an extra chair on Saturday afternoon
	add := appointments.Adjustment{Office: "bauamt", Start: at("2026-06-06 14:00"), End: at("2026-06-06 15:00"), Chairs: 2}
	if err := f.book.AdjustCapacity(ctx, clerk, add); err != nil {
		t.Fatal(err)
	}
	slots, _ := f.book.Slots(ctx, "bauamt", "ausweis", at("2026-06-06 00:00"), at("2026-06-07 00:00"))
	if len(slots) != 4 || slots[0].Free != 2 {
		t.Fatalf("added chairs: %v, want four quarter hours with 2 free", slots)
	}
	b, err := f.book.BookForCitizen(ctx, clerk, appointments.PhoneBooking{Office: "bauamt", Service: "ausweis", Start: at("2026-06-06 14:00"), Contact: "+491712345678"})
	if err != nil {
		t.Fatal(err)
	}
	if n := f.count(`SELECT COUNT(*) FROM outbox WHERE kind = 'confirmation' AND channel = 'sms'`); n != 1 {
		t.Fatal("phone booking sent no confirmation by SMS")
	}
	if err := f.book.CancelByClerk(ctx, other, b.ID, "x"); !errors.Is(err, appointments.ErrNotMember) {
		t.Fatalf("clerk of another office cancels: %v", err)
	}
	if err := f.book.CancelByClerk(ctx, clerk, b.ID, "Die Kollegin ist krank."); err != nil {
		t.Fatal(err)
	}
	m, _, ok := f.message("cancellation:" + b.ID + ":1")
	if !ok || m.Reason != "Die Kollegin ist krank." {
		t.Fatalf("cancellation with the clerk's message: %+v", m)
	}
}

func TestContactAndConcernAreDeletedAfterRetention(t *testing.T) {
	f := newFixture(t, "", monday)
	ctx := context.Background()
	early := f.bookSlot("ausweis", at("2026-06-03 10:00"), "a@example.org")
	late := f.bookSlot("ausweis", at("2026-06-12 10:00"), "b@example.org")
	f.joinWaitlist("2026-06-03", "w@example.org", true)
	f.clock.t = at("2026-06-11 01:00") // 7 days after the first booking's day ended
	if _, err := f.book.Purge(ctx); err != nil {
		t.Fatal(err)
	}
	if n := f.count(`SELECT COUNT(*) FROM appointments WHERE id = ? AND contact = '' AND concern = '' AND contact_key = '' AND state = 'booked'`, early.ID); n != 1 {
		t.Fatal("contact or concern kept after the retention, or the booking row lost for the aggregates")
	}
	if n := f.count(`SELECT COUNT(*) FROM appointments WHERE id = ? AND contact = 'b@example.org' AND concern = 'Bauantrag'`, late.ID); n != 1 {
		t.Fatal("a future booking lost its contact")
	}
	if n := f.count(`SELECT COUNT(*) FROM appointment_waitlist`); n != 0 {
		t.Fatal("waitlist entries of a past day kept")
	}
	// the aggregate survives: bookings per office and day
	if n := f.count(`SELECT COUNT(*) FROM appointments WHERE office_id = 'bauamt' AND state = 'booked' AND start_at < ?`, at("2026-06-04 00:00").UnixMilli()); n != 1 {
		t.Fatalf("bookings of 2026-06-03: %d, want 1", n)
	}
}

func TestAFailingTransactionLeavesNoOutboxRow(t *testing.T) {
	f := newFixture(t, "", monday)
	ctx := context.Background()
	boom := errors.New("boom")
	err := f.db.Tx(ctx, func(tx appointments.Tx) error {
		if err := tx.Enqueue(notify.Message{DedupeKey: "code:x", Kind: notify.KindCode, Channel: notify.ChannelEmail, Recipient: "a@example.org", Lang: "de"}, monday); err != nil {
			return err
		}
		if err := tx.Insert(appointments.Appointment{ID: "a_x", Office: "bauamt", Service: "ausweis", State: appointments.StateHeld, Created: monday}); err != nil {
			return err
		}
		return tx.Insert(appointments.Appointment{ID: "a_x"}) // duplicate key: the transaction fails
	})
	if err == nil || errors.Is(err, boom) {
		t.Fatalf("duplicate insert: %v", err)
	}
	if n := f.count(`SELECT COUNT(*) FROM outbox`) + f.count(`SELECT COUNT(*) FROM appointments`); n != 0 {
		t.Fatalf("%d rows left by a failed transaction", n)
	}
	// and through the domain: a hold refused for a taken slot stores no code
	f.bookSlot("ausweis", at("2026-06-03 10:00"), "a@example.org")
	before := f.count(`SELECT COUNT(*) FROM outbox`)
	if _, _, err := f.hold("ausweis", at("2026-06-03 10:00"), "b@example.org"); !errors.Is(err, appointments.ErrSlotTaken) {
		t.Fatal(err)
	}
	if f.count(`SELECT COUNT(*) FROM outbox`) != before {
		t.Fatal("a refused hold left a message in the outbox")
	}
}
