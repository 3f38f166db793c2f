package bench

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/appointments"
	"github.com/buergerbuero/buergerbuero/appliance/hours"
	"github.com/buergerbuero/buergerbuero/appliance/notify"
	"github.com/buergerbuero/buergerbuero/appliance/store"
	"github.com/buergerbuero/buergerbuero/appliance/store/sqlite"
	"github.com/buergerbuero/buergerbuero/appliance/web"
)

// The appointment benchmarks' county: 50 offices in Europe/Berlin (NW
// holidays) with three kinds of opening hours, 2–4 chairs reserved for
// appointments, four bookable services, a 90-day horizon, bookings on
// about 45 % of the chairs in the 90 days ahead, a few expired holds,
// clerk blocks and Saturday additions, and (BB_BOOKING_HISTORY_DAYS,
// default 365) a year of past, purged appointments at the same density —
// rows the store keeps for the aggregates, so a slot query must not read
// them.

const benchOffices = 50

var benchLoc, _ = time.LoadLocation("Europe/Berlin")

// benchNow is the county's clock: Monday 2 March 2026, 09:00.
var benchNow = time.Date(2026, 3, 2, 9, 0, 0, 0, benchLoc)

var benchHours = []map[string][]string{
	{"mon": {"08:00-12:00"}, "tue": {"08:00-12:00", "14:00-18:00"}, "wed": {"08:00-12:00"}, "thu": {"08:00-12:00", "14:00-18:00"}, "fri": {"08:00-12:00"}},
	{"mon": {"07:30-15:30"}, "tue": {"07:30-15:30"}, "wed": {"07:30-15:30"}, "thu": {"07:30-15:30"}, "fri": {"07:30-15:30"}},
	{"mon": {"08:00-16:00"}, "tue": {"08:00-16:00"}, "wed": {"08:00-13:00"}, "thu": {"08:00-18:00"}, "fri": {"08:00-12:00"}},
}

func benchOffice(tb testing.TB, i int) appointments.Office {
	sched, err := hours.FromConfig(benchHours[i%len(benchHours)], nil, "NW", false, benchLoc)
	if err != nil {
		tb.Fatal(err)
	}
	o := appointments.Office{ID: fmt.Sprintf("o%02d", i), Name: fmt.Sprintf("Bürgerbüro %d", i), Schedule: sched,
		Services: []appointments.Service{
			{ID: "ausweis", Name: "Personalausweis beantragen", Duration: 15 * time.Minute, Languages: []string{"de", "en"}, Mode: appointments.ModeBoth, WhatToBring: "Foto"},
			{ID: "reisepass", Name: "Reisepass beantragen", Duration: 15 * time.Minute, Languages: []string{"de"}, Mode: appointments.ModeBooking},
			{ID: "meldung", Name: "Wohnsitz anmelden", Duration: 10 * time.Minute, Languages: []string{"de", "tr"}, Mode: appointments.ModeBoth},
			{ID: "bauberatung", Name: "Bauberatung", Duration: 30 * time.Minute, Languages: []string{"de"}, Mode: appointments.ModeBooking},
			{ID: "abholung", Name: "Abholung", Duration: 5 * time.Minute, Mode: appointments.ModeWalkIn},
		}}
	for d := time.Monday; d <= time.Friday; d++ {
		o.Chairs[d] = 2 + i%3
	}
	return o
}

func benchSettings() appointments.Settings {
	return appointments.Settings{HorizonDays: 90, LeadTime: 2 * time.Hour, Release: hours.Clock{H: 7}, HoldTTL: 10 * time.Minute,
		CodeAttempts: 3, Reminders: []time.Duration{24 * time.Hour, 15 * time.Minute}, OfferWindow: 30 * time.Minute,
		Retention: 7 * 24 * time.Hour, HoldBurst: 1 << 30, HoldPer: time.Second, ContactBurst: 5, ContactPer: time.Hour,
		PublicURL: "https://bb.example", Secret: []byte("0123456789abcdef0123456789abcdef"), Loc: benchLoc}
}

// anyPoW is the fake proof-of-work verifier: every payload is solved.
type anyPoW struct{}

func (anyPoW) Challenge() (any, error)     { return map[string]string{"challenge": "x"}, nil }
func (anyPoW) Verify(string) (bool, error) { return true, nil }

func historyDays(tb testing.TB) (days int) {
	days = 365
	if v := os.Getenv("BB_BOOKING_HISTORY_DAYS"); v != "" {
		var err error
		if days, err = strconv.Atoi(v); err != nil {
			tb.Fatalf("BB_BOOKING_HISTORY_DAYS: %v", err)
		}
	}
	return days
}

// county is the seeded store behind the booking API.
type county struct {
	dir     string
	db      *store.DB
	raw     *sql.DB // read-only, for the confirmation codes in the outbox
	book    *appointments.Book
	api     http.Handler
	offices []appointments.Office
	rows    int
	// contacts numbers the citizens who book: each a new contact
	contacts atomic.Int64
}

// newCounty opens a store in a new temp dir and seeds it (not timed).
func newCounty(b *testing.B) *county {
	b.Helper()
	ctx := context.Background()
	dir := b.TempDir()
	db, err := sqlite.Open(ctx, dir)
	if err != nil {
		b.Fatal(err)
	}
	raw, err := sql.Open("sqlite3", "file:"+filepath.Join(dir, "buergerbuero.db")+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { raw.Close(); db.Close() })
	c := &county{dir: dir, db: db, raw: raw}
	for i := range benchOffices {
		c.offices = append(c.offices, benchOffice(b, i))
	}
	c.book = appointments.New(db, benchSettings(), c.offices, nil)
	c.book.SetClock(func() time.Time { return benchNow })
	srv, err := web.New(nil, nil, nil, web.Options{PublicURL: "https://bb.example", Booking: c.book, ProofOfWork: anyPoW{}}, nil)
	if err != nil {
		b.Fatal(err)
	}
	c.api = srv.Handler()
	start := time.Now()
	rng := rand.New(rand.NewPCG(12, uint64(benchOffices)))
	for i := range c.offices {
		n, err := c.seed(ctx, rng, &c.offices[i], historyDays(b))
		if err != nil {
			b.Fatal(err)
		}
		c.rows += n
	}
	b.Logf("seeded %d appointment rows for %d offices (%d days of history) in %s", c.rows, benchOffices, historyDays(b), time.Since(start).Round(time.Millisecond))
	return c
}

// seed fills one office's chairs from history days ago to 90 days ahead:
// each chair of each 15-minute step is taken with probability 0.45 (a
// quarter of them by a 30-minute service); past rows are purged.
func (c *county) seed(ctx context.Context, rng *rand.Rand, o *appointments.Office, history int) (int, error) {
	n := 0
	err := c.db.Tx(ctx, func(tx appointments.Tx) error {
		today := time.Date(benchNow.Year(), benchNow.Month(), benchNow.Day(), 12, 0, 0, 0, benchLoc)
		for d := -history; d <= 90; d++ {
			day := today.AddDate(0, 0, d)
			chairs := o.Chairs[day.Weekday()]
			for _, iv := range o.Schedule.Intervals(day) {
				for chair := 0; chair < chairs; chair++ {
					for m := iv.Open.H*60 + iv.Open.M; m+15 <= iv.Close.H*60+iv.Close.M; m += 15 {
						if rng.Float64() >= 0.45 {
							continue
						}
						svc, length := "ausweis", 15
						if rng.IntN(4) == 0 && m+30 <= iv.Close.H*60+iv.Close.M {
							svc, length = "bauberatung", 30
						}
						start := time.Date(day.Year(), day.Month(), day.Day(), m/60, m%60, 0, 0, benchLoc)
						a := appointments.Appointment{ID: fmt.Sprintf("seed-%s-%d", o.ID, n), Office: o.ID, Service: svc,
							Start: start, End: start.Add(time.Duration(length) * time.Minute), State: appointments.StateBooked,
							Channel: "email", Lang: "de", Created: start.AddDate(0, 0, -14), Confirmed: start.AddDate(0, 0, -14)}
						switch {
						case d < 0: // purged history; some cancelled
							if rng.IntN(10) == 0 {
								a.State, a.Cancelled = appointments.StateCancelled, a.Created.Add(time.Hour)
							}
						case rng.IntN(50) == 0: // an expired, never confirmed hold
							a.State, a.Expires, a.Contact = appointments.StateHeld, benchNow.Add(-time.Hour), "alt@example.org"
						default:
							a.Contact = fmt.Sprintf("b%d-%s@example.org", n, o.ID)
							a.ContactKey, a.CancelHash = fmt.Sprintf("%064x", rng.Uint64()), fmt.Sprintf("%064x", rng.Uint64())
						}
						if length == 30 {
							m += 15
						}
						if err := tx.Insert(a); err != nil {
							return err
						}
						if err := seedReminders(tx, a); err != nil {
							return err
						}
						n++
					}
				}
			}
		}
		// clerks: three single-chair blocks of a morning, one Saturday added
		for k := 1; k <= 3; k++ {
			day := today.AddDate(0, 0, 7*k+2)
			from := time.Date(day.Year(), day.Month(), day.Day(), 8, 0, 0, 0, benchLoc)
			if err := tx.AddCapacity(appointments.Adjustment{Office: o.ID, Start: from, End: from.Add(2 * time.Hour), Chairs: -1, By: "clerk"}, benchNow); err != nil {
				return err
			}
		}
		sat := today.AddDate(0, 0, 12)
		from := time.Date(sat.Year(), sat.Month(), sat.Day(), 9, 0, 0, 0, benchLoc)
		return tx.AddCapacity(appointments.Adjustment{Office: o.ID, Start: from, End: from.Add(3 * time.Hour), Chairs: 1, By: "clerk"}, benchNow)
	})
	return n, err
}

// seedReminders stores the two reminders a future booking has pending in
// the outbox, as Book.Confirm does, so that the outbox holds what a
// county's outbox holds: about two unsent messages per booking ahead.
func seedReminders(tx appointments.Tx, a appointments.Appointment) error {
	if a.State != appointments.StateBooked || a.Contact == "" || !a.Start.After(benchNow) {
		return nil
	}
	m := notify.Message{Kind: notify.KindReminder, Channel: notify.ChannelEmail, Recipient: a.Contact, Lang: "de",
		Office: "Bürgerbüro", Service: "Personalausweis beantragen", Start: a.Start, Duration: a.End.Sub(a.Start),
		JoinURL: "https://bb.example/a/" + a.ID + "#0123456789abcdef0123456789abcdef", UID: a.ID + "@bb.example"}
	for _, before := range []time.Duration{24 * time.Hour, 15 * time.Minute} {
		m.DedupeKey = fmt.Sprintf("reminder:%s:0:%d", a.ID, int(before/time.Minute))
		if err := tx.Enqueue(m, a.Start.Add(-before)); err != nil {
			return err
		}
	}
	return nil
}

// get calls the API in the process (no network) and returns the status.
func (c *county) get(path string) (int, string) {
	r := httptest.NewRequest("GET", path, nil)
	w := httptest.NewRecorder()
	c.api.ServeHTTP(w, r)
	return w.Code, w.Body.String()
}

func (c *county) post(path, body string) (int, string) {
	return c.send("POST", path, body)
}

func (c *county) send(method, path, body string, header ...string) (int, string) {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	c.api.ServeHTTP(w, r)
	return w.Code, w.Body.String()
}

// latencies collects per-operation durations and reports p50 and p99.
type latencies []time.Duration

func (l latencies) report(b *testing.B) {
	if len(l) == 0 {
		return
	}
	s := slices.Clone(l)
	slices.Sort(s)
	q := func(p float64) float64 { return float64(s[int(p*float64(len(s)-1))]) / float64(time.Millisecond) }
	b.ReportMetric(q(0.50), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
}
