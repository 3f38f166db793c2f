package appointments_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/appointments"
	"github.com/buergerbuero/buergerbuero/appliance/notify"
	"github.com/buergerbuero/buergerbuero/appliance/problem"
	"github.com/buergerbuero/buergerbuero/appliance/store/storetest"
)

var monday = at("2026-06-01 06:30")

func TestTwoHundredHoldsOfTheLastChairOneWins(t *testing.T) {
	f := newFixture(t, "", monday)
	slot := at("2026-06-03 10:00")
	var wg sync.WaitGroup
	var mu sync.Mutex
	won, taken := 0, 0
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.book.Hold(context.Background(), appointments.HoldRequest{Office: "bauamt", Service: "ausweis", Start: slot,
				Contact: fmt.Sprintf("buerger%d@example.org", i), Lang: "de", Client: fmt.Sprintf("10.0.%d.%d", i/250, i%250)})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won++
			case errors.Is(err, appointments.ErrSlotTaken):
				taken++
			default:
				t.Errorf("hold %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	if won != 1 || taken != 199 {
		t.Fatalf("%d holds succeeded and %d were refused, want 1 and 199", won, taken)
	}
	if n := f.count(`SELECT COUNT(*) FROM outbox WHERE kind = 'code'`); n != 1 {
		t.Fatalf("%d code messages stored, want 1", n)
	}
}

func TestNoDoubleBookingAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	slot := at("2026-06-03 10:00")
	f := newFixture(t, dir, monday)
	f.bookSlot("ausweis", slot, "a@example.org")
	f.db.Close()

	g := newFixture(t, dir, monday.Add(time.Minute))
	if _, _, err := g.hold("ausweis", slot, "b@example.org"); !errors.Is(err, appointments.ErrSlotTaken) {
		t.Fatalf("hold of a booked slot after restart: %v, want slot_taken", err)
	}
	// the 30-minute service overlaps the booked quarter hour too
	if _, _, err := g.hold("beratung", slot, "c@example.org"); !errors.Is(err, appointments.ErrSlotTaken) {
		t.Fatalf("overlapping hold after restart: %v, want slot_taken", err)
	}
	slots, _ := g.book.Slots(context.Background(), "bauamt", "ausweis", at("2026-06-03 00:00"), at("2026-06-04 00:00"))
	for _, s := range slots {
		if s.Start.Equal(slot) {
			t.Fatal("booked slot still offered after restart")
		}
	}
	if len(slots) != 15 {
		t.Fatalf("%d slots left, want 15", len(slots))
	}
}

func TestUnconfirmedHoldExpiresAndFreesTheChair(t *testing.T) {
	f := newFixture(t, "", monday)
	slot := at("2026-06-03 10:00")
	h, code, err := f.hold("ausweis", slot, "a@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.hold("ausweis", slot, "b@example.org"); !errors.Is(err, appointments.ErrSlotTaken) {
		t.Fatalf("second hold while held: %v", err)
	}
	f.clock.add(10*time.Minute + time.Second)
	if _, err := f.book.Confirm(context.Background(), h.ID, code); !errors.Is(err, appointments.ErrHoldExpired) {
		t.Fatalf("confirm after expiry: %v, want hold_expired", err)
	}
	if _, _, err := f.hold("ausweis", slot, "b@example.org"); err != nil {
		t.Fatalf("hold after the first expired: %v", err)
	}
}

func TestANewHoldReplacesTheContactsUnconfirmedOne(t *testing.T) {
	f := newFixture(t, "", monday)
	first, code, err := f.hold("ausweis", at("2026-06-03 10:00"), "a@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.hold("ausweis", at("2026-06-03 11:00"), "a@example.org"); err != nil {
		t.Fatalf("the citizen picks another slot: %v", err)
	}
	if _, err := f.book.Confirm(context.Background(), first.ID, code); !errors.Is(err, appointments.ErrHoldExpired) {
		t.Fatalf("confirm of the replaced hold: %v, want hold_expired", err)
	}
	if _, _, err := f.hold("ausweis", at("2026-06-03 10:00"), "b@example.org"); err != nil {
		t.Fatalf("the first slot is not free again: %v", err)
	}
}

func TestWrongCodesEndTheHold(t *testing.T) {
	f := newFixture(t, "", monday)
	h, code, err := f.hold("ausweis", at("2026-06-03 10:00"), "a@example.org")
	if err != nil {
		t.Fatal(err)
	}
	wrong := "000000"
	if code == wrong {
		wrong = "000001"
	}
	for i := 1; i <= 3; i++ {
		_, err := f.book.Confirm(context.Background(), h.ID, wrong)
		want := "code"
		if i == 3 {
			want = ""
		}
		if p, _ := problem.As(err); p == nil || p.Field != want {
			t.Fatalf("wrong code %d: %v", i, err)
		}
	}
	if _, err := f.book.Confirm(context.Background(), h.ID, code); !errors.Is(err, appointments.ErrHoldExpired) {
		t.Fatalf("right code after three wrong ones: %v, want hold_expired", err)
	}
}

// TestTyposInTheCodeCostNoAttempt: what cannot be a code (letters, five
// digits, a pasted sentence) is refused with its own message and leaves
// every attempt; the code typed with spaces or with Arabic or Persian
// digits is the code.
func TestTyposInTheCodeCostNoAttempt(t *testing.T) {
	f := newFixture(t, "", monday)
	h, code, err := f.hold("ausweis", at("2026-06-03 10:00"), "a@example.org")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		for _, typo := range []string{"12345", "abcdef", "Der Code ist 12", "1234567"} {
			if _, err := f.book.Confirm(context.Background(), h.ID, typo); !errors.Is(err, appointments.ErrCodeFormat) {
				t.Fatalf("typo %q: %v, want code_format", typo, err)
			}
		}
	}
	arabic := strings.Map(func(r rune) rune { return r - '0' + '٠' }, code)
	if _, err := f.book.Confirm(context.Background(), h.ID, " "+arabic[:6]+" "+arabic[6:]+" "); err != nil {
		t.Fatalf("the right code in Arabic digits with spaces, after 20 typos: %v", err)
	}
}

func TestConfirmationRemindersAndCancellation(t *testing.T) {
	f := newFixture(t, "", monday)
	slot := at("2026-06-03 10:00")
	b := f.bookSlot("ausweis", slot, " Anna.Muster@Example.org ")
	conf, _, ok := f.message("confirmation:" + b.ID + ":0")
	if !ok {
		t.Fatal("no confirmation message")
	}
	if n := f.count(`SELECT COUNT(*) FROM outbox WHERE dedupe_key = ? AND recipient = 'anna.muster@example.org' AND channel = 'email'`, "confirmation:"+b.ID+":0"); n != 1 {
		t.Fatal("confirmation not addressed to the normalised e-mail address")
	}
	if conf.Sequence != 0 || conf.UID == "" || !conf.Start.Equal(slot) ||
		conf.Service != "Personalausweis" || conf.WhatToBring != "Foto" || conf.Duration != 15*time.Minute {
		t.Fatalf("confirmation %+v", conf)
	}
	if !strings.HasPrefix(conf.JoinURL, "https://bb.example/a/"+b.ID+"#") || !f.book.CheckJoinToken(b.ID, strings.SplitN(conf.JoinURL, "#", 2)[1]) {
		t.Fatalf("join URL %q is not the signed link with the token after '#'", conf.JoinURL)
	}
	for _, r := range []struct {
		key string
		due time.Time
	}{{"reminder:" + b.ID + ":0:1440", slot.Add(-24 * time.Hour)}, {"reminder:" + b.ID + ":0:15", slot.Add(-15 * time.Minute)}} {
		m, due, ok := f.message(r.key)
		if !ok || m.Kind != notify.KindReminder || !due.Equal(r.due) {
			t.Fatalf("reminder %s: %v due %s, want due %s", r.key, ok, due, r.due)
		}
	}
	ctx := context.Background()
	if err := f.book.Cancel(ctx, b.ID, "not-the-token"); !errors.Is(err, appointments.ErrBadToken) {
		t.Fatalf("cancel with a wrong token: %v", err)
	}
	if err := f.book.Cancel(ctx, b.ID, b.CancelToken); err != nil {
		t.Fatal(err)
	}
	c, _, ok := f.message("cancellation:" + b.ID + ":1")
	if !ok || c.UID != conf.UID || c.Sequence != 1 || c.Kind != notify.KindCancellation {
		t.Fatalf("cancellation %+v (found %v), want UID %s sequence 1", c, ok, conf.UID)
	}
	if n := f.count(`SELECT COUNT(*) FROM outbox WHERE dedupe_key LIKE 'reminder:%'`); n != 0 {
		t.Fatalf("%d reminders left after cancellation", n)
	}
	if n := f.count(`SELECT COUNT(*) FROM audit WHERE action IN ('appointment_booked', 'appointment_cancelled') AND detail NOT LIKE '%@%'`); n != 2 {
		t.Fatalf("%d audit entries without personal data, want 2", n)
	}
	if n := f.count(`SELECT COUNT(*) FROM audit WHERE detail LIKE '%anna%' OR actor LIKE '%anna%'`); n != 0 {
		t.Fatal("the audit log names the citizen")
	}
	// the chair is free again (no waitlist)
	if _, _, err := f.hold("ausweis", slot, "b@example.org"); err != nil {
		t.Fatalf("hold of the cancelled slot: %v", err)
	}
}

func TestSecondActiveBookingForTheSameContactIsRefused(t *testing.T) {
	f := newFixture(t, "", monday)
	f.bookSlot("ausweis", at("2026-06-03 10:00"), "a@example.org")
	for _, contact := range []string{"a@example.org", "A@Example.ORG"} {
		if _, _, err := f.hold("ausweis", at("2026-06-05 09:00"), contact); !errors.Is(err, appointments.ErrAlreadyBooked) {
			t.Fatalf("second booking for %s: %v, want already_booked", contact, err)
		}
	}
	// another service of the office is fine; a phone number is normalised to E.164
	if _, _, err := f.hold("beratung", at("2026-06-05 09:00"), "a@example.org"); err != nil {
		t.Fatalf("other service: %v", err)
	}
	f.bookSlot("ausweis", at("2026-06-05 10:00"), "+49 171 2345678")
	if _, _, err := f.hold("ausweis", at("2026-06-08 09:00"), "0049-171-2345678"); !errors.Is(err, appointments.ErrAlreadyBooked) {
		t.Fatalf("same phone number written differently: %v", err)
	}
}

func TestBadHoldInputNamesTheField(t *testing.T) {
	f := newFixture(t, "", monday)
	cases := []struct {
		req   appointments.HoldRequest
		field string
	}{
		{appointments.HoldRequest{Service: "nope", Start: at("2026-06-03 10:00"), Contact: "a@example.org"}, "service"},
		{appointments.HoldRequest{Service: "ausweis", Start: at("2026-06-03 10:00"), Contact: "not-an-address"}, "contact"},
		{appointments.HoldRequest{Service: "ausweis", Start: at("2026-06-03 10:00"), Contact: "+12"}, "contact"},
		{appointments.HoldRequest{Service: "ausweis", Start: at("2026-05-29 10:00"), Contact: "a@example.org"}, "start"},
		{appointments.HoldRequest{Service: "ausweis", Start: at("2026-06-01 07:00"), Contact: "a@example.org"}, "start"},
		{appointments.HoldRequest{Service: "ausweis", Start: at("2026-06-03 10:05"), Contact: "a@example.org"}, "start"},
		{appointments.HoldRequest{Service: "ausweis", Start: at("2026-06-04 10:00"), Contact: "a@example.org"}, "start"},
		{appointments.HoldRequest{Service: "ausweis", Start: at("2026-09-03 10:00"), Contact: "a@example.org"}, "start"},
		{appointments.HoldRequest{Service: "ausweis", Start: at("2026-06-03 10:00"), Contact: "a@example.org", Lang: "D E"}, "language"},
	}
	for _, c := range cases {
		c.req.Office = "bauamt"
		_, err := f.book.Hold(context.Background(), c.req)
		p, ok := problem.As(err)
		if !ok || p.Kind != problem.KindInvalid || p.Field != c.field {
			t.Errorf("%+v: %v, want invalid %s", c.req, err, c.field)
		}
	}
	if n := f.count(`SELECT COUNT(*) FROM appointments`) + f.count(`SELECT COUNT(*) FROM outbox`); n != 0 {
		t.Fatalf("refused holds stored %d rows", n)
	}
}

func TestRateLimitPerContact(t *testing.T) {
	f := newFixture(t, "", monday)
	var err error
	for i := 0; i < 6 && err == nil; i++ {
		// each hold expires before the next, so only the limit refuses
		_, _, err = f.hold("ausweis", at("2026-06-03 10:00"), "a@example.org")
		f.clock.add(11 * time.Minute)
	}
	if !errors.Is(err, appointments.ErrRateLimited) {
		t.Fatalf("sixth hold within an hour for one contact: %v, want rate limited", err)
	}
}

// TestContactOnlyThroughConfiguredChannels: with e-mail but no SMS gateway
// configured, a mobile number is refused at once (naming the contact
// field), instead of a hold whose code never arrives; e-mail still works.
func TestContactOnlyThroughConfiguredChannels(t *testing.T) {
	dir := t.TempDir()
	db := storetest.Open(t, dir)
	set := settings()
	set.Channels = map[notify.Channel]bool{notify.ChannelEmail: true}
	b := appointments.New(db, set, []appointments.Office{bauamt(t)}, nil)
	c := &clock{t: monday}
	b.SetClock(c.now)
	req := appointments.HoldRequest{Office: "bauamt", Service: "ausweis", Start: at("2026-06-03 10:00"), Contact: "+49 171 1234567"}
	_, err := b.Hold(context.Background(), req)
	if p, ok := problem.As(err); !ok || p.Field != "contact" || p.Reason != "channel_sms_unavailable" {
		t.Fatalf("a mobile number without an SMS gateway: %v, want invalid contact (channel_sms_unavailable)", err)
	}
	req.Contact = "a@example.org"
	if _, err := b.Hold(context.Background(), req); err != nil {
		t.Fatalf("an e-mail address: %v", err)
	}
}
