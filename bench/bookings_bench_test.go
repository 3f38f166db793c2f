package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/appointments"
	"github.com/buergerbuero/buergerbuero/appliance/notify"
	"github.com/buergerbuero/buergerbuero/appliance/store/sqlite"
)

// target is one free chair: an office and the start of an "ausweis" slot.
type target struct {
	office string
	start  time.Time
}

// freeChairs lists every free chair of the 15-minute service in the
// seeded county's next 62 days, one entry per chair, shuffled.
func (c *county) freeChairs(b *testing.B) []target {
	var out []target
	for _, o := range c.offices {
		slots, err := c.book.Slots(context.Background(), o.ID, "ausweis", benchNow, benchNow.AddDate(0, 0, 62))
		if err != nil {
			b.Fatal(err)
		}
		for _, s := range slots {
			for range s.Free {
				out = append(out, target{o.ID, s.Start})
			}
		}
	}
	rand.New(rand.NewPCG(5, 6)).Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// BenchmarkBookings measures confirmed bookings per second through the
// public booking API (in the process, no network) on the seeded SQLite
// county: each booking is a hold (fake proof-of-work verifier that
// accepts every payload, a distinct contact, a free chair of its own)
// and its confirmation with the code read back from the outbox — two
// write transactions that store the appointment, four outbox messages
// (code, confirmation, two reminders) and an audit entry. Compare with
// BenchmarkKnockSQLite in the same run (one write transaction per knock).
func BenchmarkBookings(b *testing.B) {
	c := newCounty(b)
	targets := c.freeChairs(b)
	b.Logf("%d free chairs", len(targets))
	var mu sync.Mutex
	var booked []appointments.Booking // for the cancellations
	b.Run("hold+confirm", func(b *testing.B) {
		if b.N > len(targets) {
			b.Fatalf("%d bookings wanted, %d free chairs", b.N, len(targets))
		}
		var next atomic.Int64
		var lat latencies
		b.ReportAllocs()
		b.ResetTimer()
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			var mine latencies
			defer func() { mu.Lock(); lat = append(lat, mine...); mu.Unlock() }()
			for pb.Next() {
				i := next.Add(1) - 1
				t := targets[i]
				t0 := time.Now()
				bk, err := c.bookOne(t, fmt.Sprintf("buerger%d@example.org", c.contacts.Add(1)))
				if err != nil {
					b.Error(err)
					return
				}
				mine = append(mine, time.Since(t0))
				mu.Lock()
				booked = append(booked, bk)
				mu.Unlock()
			}
		})
		elapsed := time.Since(start)
		b.StopTimer()
		targets = targets[next.Load():] // a later round books other chairs
		b.ReportMetric(float64(b.N)/elapsed.Seconds(), "bookings/s")
		lat.report(b)
	})
	// A citizen cancels with the link's token: the booking, its pending
	// reminders dropped from the outbox, the cancellation stored, the
	// waitlist asked for the chair — one write transaction.
	b.Run("cancel", func(b *testing.B) {
		if b.N > len(booked) {
			b.Fatalf("%d cancellations wanted, %d bookings made", b.N, len(booked))
		}
		var next atomic.Int64
		var lat latencies
		b.ReportAllocs()
		b.ResetTimer()
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			var mine latencies
			defer func() { mu.Lock(); lat = append(lat, mine...); mu.Unlock() }()
			for pb.Next() {
				bk := booked[next.Add(1)-1]
				t0 := time.Now()
				if st, resp := c.send("DELETE", "/api/v1/bookings/"+bk.ID, "", "Authorization", "Bearer "+bk.CancelToken); st != 204 && st != 200 {
					b.Errorf("cancel %s: %d %s", bk.ID, st, resp)
					return
				}
				mine = append(mine, time.Since(t0))
			}
		})
		elapsed := time.Since(start)
		b.StopTimer()
		booked = booked[next.Load():]
		b.ReportMetric(float64(b.N)/elapsed.Seconds(), "cancels/s")
		lat.report(b)
	})
}

// bookOne holds t for contact and confirms the hold with its code.
func (c *county) bookOne(t target, contact string) (bk appointments.Booking, err error) {
	body := fmt.Sprintf(`{"service":"ausweis","start":%q,"contact":%q,"language":"de","concern":"Neuer Personalausweis","proof_of_work":"solved"}`,
		t.start.Format(time.RFC3339), contact)
	st, resp := c.post("/api/v1/offices/"+t.office+"/holds", body)
	if st != 201 {
		return bk, fmt.Errorf("hold %s %s: %d %s", t.office, t.start, st, resp)
	}
	var h appointments.Hold
	if err := json.Unmarshal([]byte(resp), &h); err != nil {
		return bk, err
	}
	var payload string
	if err := c.raw.QueryRow(`SELECT payload FROM outbox WHERE dedupe_key = ?`, "code:"+h.ID).Scan(&payload); err != nil {
		return bk, fmt.Errorf("code of %s: %w", h.ID, err)
	}
	var m notify.Message
	if err := json.Unmarshal([]byte(payload), &m); err != nil {
		return bk, err
	}
	st, resp = c.post("/api/v1/holds/"+h.ID+"/confirm", `{"code":"`+m.Code+`"}`)
	if st != 201 {
		return bk, fmt.Errorf("confirm %s: %d %s", h.ID, st, resp)
	}
	return bk, json.Unmarshal([]byte(resp), &bk)
}

// BenchmarkOutboxWrite measures storing one message in the outbox in its
// own write transaction, the part the appointment book does inside a
// booking's transaction (delivery is package notify's, benchmarked
// there). Compare with BenchmarkKnockSQLite in the same run.
func BenchmarkOutboxWrite(b *testing.B) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	m := notify.Message{Kind: notify.KindConfirmation, Channel: notify.ChannelEmail, Recipient: "buerger@example.org", Lang: "de",
		Office: "Bürgerbüro Grevenbroich", Service: "Personalausweis beantragen", Start: benchNow.Add(72 * time.Hour), Duration: 15 * time.Minute,
		WhatToBring: "ein biometrisches Passfoto, den alten Ausweis", JoinURL: "https://bb.example/a/a_0123456789abcdef#0123456789abcdef0123456789abcdef",
		CancelURL: "https://bb.example/a/a_0123456789abcdef/cancel#0123456789abcdef0123456789abcdef", RebookURL: "https://bb.example/offices/o01/book",
		UID: "a_0123456789abcdef@bb.example"}
	var next atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			msg := m
			msg.DedupeKey = fmt.Sprintf("confirmation:a_%d:0", next.Add(1))
			if err := db.Tx(ctx, func(tx appointments.Tx) error { return tx.Enqueue(msg, benchNow) }); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "messages/s")
}
