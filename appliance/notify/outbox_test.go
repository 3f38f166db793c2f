package notify_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/buergerbuero/buergerbuero/appliance/notify"
	"github.com/buergerbuero/buergerbuero/appliance/notify/smtptest"
)

func confirmations(n int) []notify.Message {
	var out []notify.Message
	for i := range n {
		m := booking(notify.KindConfirmation, notify.ChannelEmail, "de", fmt.Sprintf("buerger%d@example.org", i))
		m.DedupeKey = fmt.Sprintf("confirmation:b%d:0", i)
		out = append(out, m)
	}
	return out
}

// recipients counts arrivals per recipient.
func recipients(msgs []smtptest.Received) map[string]int {
	out := map[string]int{}
	for _, m := range msgs {
		for _, to := range m.To {
			out[to]++
		}
	}
	return out
}

// TestRelayDownDeliversEveryMessageOnceWhenItReturns stops the SMTP relay,
// lets the delivery loop fail and back off (30 s, then 60 s on the
// injected clock), starts the relay again on the same port and checks
// that every stored message arrives, once, and that admins saw the
// failures meanwhile.
func TestRelayDownDeliversEveryMessageOnceWhenItReturns(t *testing.T) {
	srv := smtptest.Start(t)
	srv.Stop()
	db := openDB(t, t.TempDir())
	defer db.Close()
	clock := newClock(slot.Add(-48 * time.Hour))
	const n = 5
	enqueue(t, db, clock.Now(), confirmations(n)...)
	reg := prometheus.NewRegistry()
	o := notify.New(db, map[notify.Channel]notify.Sender{notify.ChannelEmail: emailSender(t, srv)},
		notify.Policy{FirstRetry: 30 * time.Second, MaxRetry: time.Hour}, clock, notify.NewMetrics(reg), quiet)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	parked := clock.parkedCh()
	go func() { defer close(done); o.Run(ctx) }()
	defer func() { cancel(); <-done }()

	sleep := func(d time.Duration) { // let the loop go to sleep, then wake it d later
		t.Helper()
		select {
		case <-parked:
		case <-time.After(10 * time.Second):
			t.Fatal("delivery loop did not go to sleep")
		}
		parked = clock.parkedCh()
		clock.Advance(d)
	}
	sleep(30 * time.Second) // first attempt failed; the retry fails too
	sleep(0)
	st, err := o.Status(ctx)
	if err != nil || st.Pending != n || len(st.Recent) != n || st.Recent[0].Attempts != 2 {
		t.Fatalf("while the relay is down: status %+v, %v; want %d pending after 2 attempts each", st, err, n)
	}
	for _, p := range st.Recent {
		if strings.Contains(p.LastError, "@") || p.LastError == "" {
			t.Errorf("admin view error %q: want a reason without addresses", p.LastError)
		}
	}
	if got := testutil.ToFloat64(o.Metrics().Retries("email")); got != 2*n {
		t.Errorf("retries_total = %v, want %d", got, 2*n)
	}

	srv.Restart()
	clock.Advance(60 * time.Second) // a minute after the outage began
	msgs := srv.Wait(n, 10*time.Second)
	sleep(time.Hour) // the loop has nothing more to send
	sleep(0)
	if got := recipients(srv.Messages()); len(msgs) < n || len(got) != n {
		t.Fatalf("after the relay returned: %d messages for %v, want %d recipients once", len(srv.Messages()), got, n)
	}
	for to, c := range recipients(srv.Messages()) {
		if c != 1 {
			t.Errorf("%s got %d copies", to, c)
		}
	}
	if st, _ := o.Status(ctx); st.Pending != 0 || st.Sent != n || st.Failed != 0 {
		t.Errorf("status after delivery %+v", st)
	}
}

var errCrash = errors.New("simulated crash")

// TestCrashBetweenClaimAndSendDeliversOnceAfterRestart: a process claims
// messages and dies before sending; a new process on the same database
// releases the dead claims and sends each at once, once, and never again
// after it marked them sent.
func TestCrashBetweenClaimAndSendDeliversOnceAfterRestart(t *testing.T) {
	srv := smtptest.Start(t)
	dir := t.TempDir()
	clock := newClock(slot.Add(-48 * time.Hour))
	db := openDB(t, dir)
	enqueue(t, db, clock.Now(), confirmations(3)...)
	first := notify.New(db, map[notify.Channel]notify.Sender{notify.ChannelEmail: emailSender(t, srv)}, notify.Policy{}, clock, nil, quiet)
	notify.SetAfterClaim(first, func() error { return errCrash })
	if _, err := first.DeliverDue(context.Background()); !errors.Is(err, errCrash) {
		t.Fatalf("first process: %v, want the crash", err)
	}
	db.Close() // the process is gone

	db = openDB(t, dir)
	defer db.Close()
	second := notify.New(db, map[notify.Channel]notify.Sender{notify.ChannelEmail: emailSender(t, srv)}, notify.Policy{Lease: 2 * time.Minute}, clock, nil, quiet)
	if n, err := second.DeliverDue(context.Background()); err != nil || n != 0 {
		t.Fatalf("claimed rows were sent within the lease without recovery: %d (%v)", n, err)
	}
	if err := second.Recover(context.Background()); err != nil { // as Run does first
		t.Fatal(err)
	}
	if n, err := second.DeliverDue(context.Background()); err != nil || n != 3 {
		t.Fatalf("after the restart: sent %d, %v; want 3 at once", n, err)
	}
	srv.Wait(3, 10*time.Second)
	db.Close()

	db = openDB(t, dir) // and once more: nothing is sent twice
	defer db.Close()
	third := notify.New(db, map[notify.Channel]notify.Sender{notify.ChannelEmail: emailSender(t, srv)}, notify.Policy{}, clock, nil, quiet)
	clock.Advance(48 * time.Hour)
	if n, err := third.DeliverDue(context.Background()); err != nil || n != 0 {
		t.Fatalf("third process sent %d (%v)", n, err)
	}
	for to, c := range recipients(srv.Messages()) {
		if c != 1 {
			t.Errorf("%s got %d copies", to, c)
		}
	}
	if len(srv.Messages()) != 3 {
		t.Errorf("%d messages, want 3", len(srv.Messages()))
	}
}

type failingSender struct{ err error }

// stubSender accepts every message.
type stubSender = failingSender

func (f failingSender) Send(context.Context, notify.Message) error { return f.err }

// TestGivingUp: a refused address is given up at once, a failing relay
// after max_attempts; both are visible to admins without the address.
func TestGivingUp(t *testing.T) {
	db := openDB(t, t.TempDir())
	defer db.Close()
	clock := newClock(slot.Add(-48 * time.Hour))
	perm := booking(notify.KindCode, notify.ChannelSMS, "de", "+4915112345678")
	temp := booking(notify.KindCode, notify.ChannelEmail, "de", "anna.meier@example.org")
	enqueue(t, db, clock.Now(), perm, temp)
	senders := map[notify.Channel]notify.Sender{
		notify.ChannelSMS:   failingSender{notify.Permanent(errors.New("gateway: 400 invalid number +49 151 12345678"))},
		notify.ChannelEmail: failingSender{errors.New("dial tcp: 550 <anna.meier@example.org> mailbox busy")},
	}
	reg := prometheus.NewRegistry()
	o := notify.New(db, senders, notify.Policy{FirstRetry: time.Minute, MaxRetry: time.Hour, MaxAttempts: 4}, clock, notify.NewMetrics(reg), quiet)
	ctx := context.Background()
	for range 4 {
		if _, err := o.DeliverDue(ctx); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Hour)
	}
	st, err := o.Status(ctx)
	if err != nil || st.Failed != 2 || st.Pending != 0 {
		t.Fatalf("status %+v (%v); want both failed", st, err)
	}
	for _, p := range st.Recent {
		if p.FailedAt.IsZero() || strings.Contains(p.LastError, "anna") || strings.Contains(p.LastError, "12345678") {
			t.Errorf("failure %+v: want failed_at and no personal data", p)
		}
		if p.Channel == notify.ChannelSMS && p.Attempts != 1 || p.Channel == notify.ChannelEmail && p.Attempts != 4 {
			t.Errorf("%s given up after %d attempts", p.Channel, p.Attempts)
		}
	}
	if got := testutil.ToFloat64(o.Metrics().Failed("email", "code")) + testutil.ToFloat64(o.Metrics().Failed("sms", "code")); got != 2 {
		t.Errorf("failed_total = %v, want 2", got)
	}
}

func TestBackoffDoublesUpToTheCap(t *testing.T) {
	p := notify.Policy{FirstRetry: 30 * time.Second, MaxRetry: time.Hour}
	for n, want := range map[int]time.Duration{1: 30 * time.Second, 2: time.Minute, 3: 2 * time.Minute, 7: 32 * time.Minute, 8: time.Hour, 20: time.Hour} {
		if got := p.Backoff(n); got != want {
			t.Errorf("Backoff(%d) = %v, want %v", n, got, want)
		}
	}
}

// BenchmarkOutboxThroughput measures messages per second through the
// outbox on SQLite: stored, claimed, sent to a real SMTP server over
// STARTTLS (one connection per message) and marked sent.
func BenchmarkOutboxThroughput(b *testing.B) {
	for _, tc := range []struct {
		name string
		smtp bool
	}{{"sqlite-only", false}, {"smtp-starttls", true}} {
		b.Run(tc.name, func(b *testing.B) {
			db := openDB(b, b.TempDir())
			defer db.Close()
			clock := newClock(slot.Add(-48 * time.Hour))
			var s notify.Sender = stubSender{}
			var srv *smtptest.Server
			if tc.smtp {
				srv = smtptest.Start(b)
				s = emailSender(b, srv)
			}
			o := notify.New(db, map[notify.Channel]notify.Sender{notify.ChannelEmail: s}, notify.Policy{Batch: 50}, clock, nil, quiet)
			msgs := confirmations(b.N)
			b.ResetTimer()
			enqueue(b, db, clock.Now(), msgs...)
			n, err := o.DeliverDue(context.Background())
			if err != nil || n != b.N {
				b.Fatalf("sent %d of %d: %v", n, b.N, err)
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msg/s")
			if srv != nil && len(srv.Messages()) != b.N {
				b.Fatalf("server got %d of %d", len(srv.Messages()), b.N)
			}
		})
	}
}

// TestScheduledReminderAndDeadlines: a reminder stored with its booking
// weeks ahead goes out when due and is not "old" then (max_age counts from
// the first attempt); a code whose hold has expired is not sent at all.
func TestScheduledReminderAndDeadlines(t *testing.T) {
	db := openDB(t, t.TempDir())
	defer db.Close()
	clock := newClock(slot.Add(-30 * 24 * time.Hour))
	reminder := booking(notify.KindReminder, notify.ChannelEmail, "de", "a@example.org")
	if ok, err := db.ScheduleOutbox(context.Background(), reminder, clock.Now(), slot.Add(-24*time.Hour)); err != nil || !ok {
		t.Fatal(ok, err)
	}
	code := booking(notify.KindCode, notify.ChannelEmail, "de", "b@example.org")
	code.Expires = clock.Now().Add(10 * time.Minute)
	enqueue(t, db, clock.Now(), code)
	sent := &recordingSender{fail: 1}
	o := notify.New(db, map[notify.Channel]notify.Sender{notify.ChannelEmail: sent}, notify.Policy{MaxAge: 24 * time.Hour}, clock, nil, quiet)
	ctx := context.Background()

	clock.Advance(15 * time.Minute) // the code's hold expired before the relay was reached
	if next, _ := db.NextOutboxDue(ctx); !next.Equal(clock.Now().Add(-15 * time.Minute)) {
		t.Fatalf("next due %v", next)
	}
	o.DeliverDue(ctx)
	if len(sent.got) != 0 {
		t.Fatalf("sent %v, want nothing: the code expired, the reminder is not due", sent.got)
	}
	if next, _ := db.NextOutboxDue(ctx); !next.Equal(slot.Add(-24 * time.Hour)) {
		t.Fatalf("next due %v, want the reminder's time", next)
	}
	clock.Advance(slot.Add(-24 * time.Hour).Sub(clock.Now()))
	o.DeliverDue(ctx) // first attempt fails: retried, not given up for age
	clock.Advance(time.Minute)
	o.DeliverDue(ctx)
	if len(sent.got) != 1 || sent.got[0] != notify.KindReminder {
		t.Fatalf("sent %v, want the reminder once", sent.got)
	}
	if st, _ := o.Status(ctx); st.Sent != 1 || st.Failed != 1 || st.Recent[0].Kind != notify.KindCode {
		t.Errorf("status %+v: want the reminder sent and the expired code given up", st)
	}
}

type recordingSender struct {
	fail int
	got  []notify.Kind
}

func (r *recordingSender) Send(_ context.Context, m notify.Message) error {
	if r.fail > 0 {
		r.fail--
		return errors.New("421 try again later")
	}
	r.got = append(r.got, m.Kind)
	return nil
}

type funcSender func(context.Context, notify.Message) error

func (f funcSender) Send(ctx context.Context, m notify.Message) error { return f(ctx, m) }

// TestShutdownDuringSendStillMarksSent: the appliance stops while the relay
// is accepting a message; the message is recorded as sent, so the next
// start does not send it again.
func TestShutdownDuringSendStillMarksSent(t *testing.T) {
	db := openDB(t, t.TempDir())
	defer db.Close()
	clock := newClock(slot.Add(-48 * time.Hour))
	enqueue(t, db, clock.Now(), confirmations(1)...)
	ctx, cancel := context.WithCancel(context.Background())
	accepted := funcSender(func(context.Context, notify.Message) error { cancel(); return nil })
	o := notify.New(db, map[notify.Channel]notify.Sender{notify.ChannelEmail: accepted}, notify.Policy{}, clock, nil, quiet)
	o.Run(ctx) // returns once shut down
	if st, _ := o.Status(context.Background()); st.Sent != 1 || st.Pending != 0 {
		t.Fatalf("status after shutdown mid-send: %+v, want the message marked sent", st)
	}
}
