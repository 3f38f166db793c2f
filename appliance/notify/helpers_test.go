package notify_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/i18n"
	"github.com/buergerbuero/buergerbuero/appliance/notify"
	"github.com/buergerbuero/buergerbuero/appliance/notify/smtptest"
	"github.com/buergerbuero/buergerbuero/appliance/store"
	"github.com/buergerbuero/buergerbuero/appliance/store/storetest"
)

// fakeClock is driven by the test; After channels fire on Advance.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []waiter
	parked  chan struct{} // closed and replaced whenever After is called
}

type waiter struct {
	at time.Time
	ch chan time.Time
}

func newClock(t0 time.Time) *fakeClock { return &fakeClock{now: t0, parked: make(chan struct{})} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	c.waiters = append(c.waiters, waiter{c.now.Add(d), ch})
	close(c.parked)
	c.parked = make(chan struct{})
	return ch
}

// Advance moves time on and fires the timers that are due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	rest := c.waiters[:0]
	for _, w := range c.waiters {
		if !w.at.After(c.now) {
			w.ch <- c.now
		} else {
			rest = append(rest, w)
		}
	}
	c.waiters = rest
}

// parkedCh is closed at the next call of After (the loop went to sleep).
func (c *fakeClock) parkedCh() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.parked
}

var berlin = mustLoc("Europe/Berlin")

func mustLoc(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

func renderer(t testing.TB) *notify.Renderer {
	t.Helper()
	cat, err := i18n.Load("")
	if err != nil {
		t.Fatal(err)
	}
	return &notify.Renderer{Cat: cat, Loc: berlin, Site: "Landkreis Musterland"}
}

func openDB(t testing.TB, dir string) *store.DB {
	t.Helper()
	return storetest.Open(t, dir)
}

func enqueue(t testing.TB, db *store.DB, now time.Time, msgs ...notify.Message) {
	t.Helper()
	for _, m := range msgs {
		if ok, err := db.EnqueueOutbox(context.Background(), m, now); err != nil || !ok {
			t.Fatalf("enqueue %s: added=%v err=%v", m.DedupeKey, ok, err)
		}
	}
}

// slot is Monday 30 March 2026, 10:15 in Berlin: the day after the switch
// to summer time, so a UTC or winter-time mistake shows as 09:15 or 08:15.
var slot = time.Date(2026, 3, 30, 8, 15, 0, 0, time.UTC)

func booking(kind notify.Kind, ch notify.Channel, lang, rcpt string) notify.Message {
	return notify.Message{
		DedupeKey: string(kind) + ":b1:" + lang + ":" + string(ch), Kind: kind, Channel: ch, Recipient: rcpt, Lang: lang,
		Office: "Bauamt", Service: "Bauberatung", Start: slot, Duration: 30 * time.Minute,
		WhatToBring: "Lageplan", Code: "482913", Expires: slot.Add(-20 * time.Hour),
		JoinURL:   "https://buergerbuero.musterland.de/t/Xk3pQ9/join",
		CancelURL: "https://buergerbuero.musterland.de/t/Xk3pQ9/cancel",
		RebookURL: "https://buergerbuero.musterland.de/t/Xk3pQ9/rebook",
		AcceptURL: "https://buergerbuero.musterland.de/t/Xk3pQ9/accept",
		UID:       "b1@buergerbuero.musterland.de", Sequence: 0,
	}
}

type parsed = smtptest.Mail

func parseMail(t *testing.T, data []byte) parsed {
	t.Helper()
	m, err := smtptest.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
