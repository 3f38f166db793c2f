package appointments_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/appointments"
	"github.com/buergerbuero/buergerbuero/appliance/hours"
	"github.com/buergerbuero/buergerbuero/appliance/notify"
	"github.com/buergerbuero/buergerbuero/appliance/store"
	"github.com/buergerbuero/buergerbuero/appliance/store/storetest"
)

var berlin, _ = time.LoadLocation("Europe/Berlin")

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type fixture struct {
	t     *testing.T
	dir   string
	db    *store.DB
	raw   *sql.DB // a second connection for assertions
	book  *appointments.Book
	clock *clock
}

func settings() appointments.Settings {
	return appointments.Settings{HorizonDays: 60, LeadTime: 2 * time.Hour, Release: hours.Clock{H: 7}, HoldTTL: 10 * time.Minute,
		CodeAttempts: 3, Reminders: []time.Duration{24 * time.Hour, 15 * time.Minute}, OfferWindow: 30 * time.Minute,
		Retention: 7 * 24 * time.Hour, HoldBurst: 1000, HoldPer: time.Minute, ContactBurst: 5, ContactPer: time.Hour,
		PublicURL: "https://bb.example", Secret: []byte("0123456789abcdef0123456789abcdef"), Loc: berlin,
		JoinBefore: 10 * time.Minute, JoinAfter: 15 * time.Minute}
}

// office "bauamt": Mon-Fri 08:00-12:00 in NW, one chair reserved, a
// 15-minute and a 30-minute service.
func bauamt(t *testing.T) appointments.Office {
	week := map[string][]string{"mon": {"08:00-12:00"}, "tue": {"08:00-12:00"}, "wed": {"08:00-12:00"}, "thu": {"08:00-12:00"}, "fri": {"08:00-12:00"}}
	sched, err := hours.FromConfig(week, nil, "NW", false, berlin)
	if err != nil {
		t.Fatal(err)
	}
	o := appointments.Office{ID: "bauamt", Name: "Bauamt", Schedule: sched, Services: []appointments.Service{
		{ID: "ausweis", Name: "Personalausweis", Duration: 15 * time.Minute, Languages: []string{"de"}, Mode: appointments.ModeBoth, WhatToBring: "Foto"},
		{ID: "beratung", Name: "Bauberatung", Duration: 30 * time.Minute, Languages: []string{"de"}, Mode: appointments.ModeBooking},
		{ID: "abholung", Name: "Abholung", Duration: 15 * time.Minute, Mode: appointments.ModeWalkIn},
	}}
	for d := time.Monday; d <= time.Friday; d++ {
		o.Chairs[d] = 1
	}
	return o
}

// newFixture opens the store in dir ("" = a new one) at now.
func newFixture(t *testing.T, dir string, now time.Time, offices ...appointments.Office) *fixture {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	db := storetest.Open(t, dir)
	raw := db.ReadDB()
	if len(offices) == 0 {
		offices = []appointments.Office{bauamt(t)}
	}
	c := &clock{t: now}
	b := appointments.New(db, settings(), offices, nil)
	b.SetClock(c.now)
	return &fixture{t: t, dir: dir, db: db, raw: raw, book: b, clock: c}
}

// message reads the outbox message with the dedupe key.
func (f *fixture) message(key string) (notify.Message, time.Time, bool) {
	f.t.Helper()
	var payload string
	var due int64
	err := f.raw.QueryRow(`SELECT payload, next_attempt FROM outbox WHERE dedupe_key = ?`, key).Scan(&payload, &due)
	if err == sql.ErrNoRows {
		return notify.Message{}, time.Time{}, false
	}
	if err != nil {
		f.t.Fatal(err)
	}
	var m notify.Message
	if err := json.Unmarshal([]byte(payload), &m); err != nil {
		f.t.Fatal(err)
	}
	return m, time.UnixMilli(due), true
}

func (f *fixture) count(query string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.raw.QueryRow(query, args...).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

// hold holds a slot and returns the hold and its code from the outbox.
func (f *fixture) hold(svc string, start time.Time, contact string) (appointments.Hold, string, error) {
	f.t.Helper()
	h, err := f.book.Hold(context.Background(), appointments.HoldRequest{Office: "bauamt", Service: svc, Start: start, Contact: contact, Lang: "de", Concern: "Bauantrag"})
	if err != nil {
		return h, "", err
	}
	m, _, ok := f.message("code:" + h.ID)
	if !ok {
		f.t.Fatalf("no code message for hold %s", h.ID)
	}
	return h, m.Code, nil
}

// bookSlot holds and confirms.
func (f *fixture) bookSlot(svc string, start time.Time, contact string) appointments.Booking {
	f.t.Helper()
	h, code, err := f.hold(svc, start, contact)
	if err != nil {
		f.t.Fatalf("hold %s: %v", start, err)
	}
	b, err := f.book.Confirm(context.Background(), h.ID, code)
	if err != nil {
		f.t.Fatalf("confirm: %v", err)
	}
	return b
}

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, berlin)
	if err != nil {
		panic(err)
	}
	return t
}
