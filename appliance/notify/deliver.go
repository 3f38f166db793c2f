package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"
)

// Sender delivers one message on its channel. An error wrapped with
// Permanent is not retried (the address does not exist); any other error
// is retried with back-off.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// Clock is the time source of the loop; tests drive it by hand.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Policy says how often and how long a message is retried.
type Policy struct {
	// FirstRetry is the wait after the first failure, doubling per
	// failure up to MaxRetry.
	FirstRetry, MaxRetry time.Duration
	// MaxAttempts and MaxAge: the message is given up after this many
	// attempts or this long after it was stored.
	MaxAttempts int
	MaxAge      time.Duration
	// Lease is how long a claimed message waits before another attempt if
	// the process dies while sending it (default 2 minutes).
	Lease time.Duration
	// Idle is the longest the loop sleeps without a wake-up, in case a
	// message was stored without Wake (default 5 minutes).
	Idle time.Duration
	// Batch is how many messages one claim takes (default 20).
	Batch int
	// Shared: other processes deliver from the same database (several
	// nodes on one PostgreSQL). A starting loop then releases no claims,
	// since they may be another node's sends in progress; a dead node's
	// claims are due again when their Lease ends.
	Shared bool
	// Keep is how long recipient and content of a sent or given-up message
	// are kept (default 7 days); then they are deleted, counts stay.
	Keep time.Duration
}

func (p *Policy) defaults() {
	if p.FirstRetry <= 0 {
		p.FirstRetry = 30 * time.Second
	}
	if p.MaxRetry < p.FirstRetry {
		p.MaxRetry = max(time.Hour, p.FirstRetry)
	}
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 20
	}
	if p.MaxAge <= 0 {
		p.MaxAge = 24 * time.Hour
	}
	if p.Lease <= 0 {
		p.Lease = 2 * time.Minute
	}
	if p.Idle <= 0 {
		p.Idle = 5 * time.Minute
	}
	if p.Batch <= 0 {
		p.Batch = 20
	}
	if p.Keep <= 0 {
		p.Keep = 7 * 24 * time.Hour
	}
}

// Backoff is the wait after the n-th failed attempt (n ≥ 1).
func (p Policy) Backoff(n int) time.Duration {
	d := p.FirstRetry
	for i := 1; i < n && d < p.MaxRetry; i++ {
		d *= 2
	}
	return min(d, p.MaxRetry)
}

// Outbox is the delivery loop: one goroutine (Run) owned by the app that
// claims due messages, sends them and records the outcome.
type Outbox struct {
	store   Store
	senders map[Channel]Sender
	policy  Policy
	clock   Clock
	metrics *Metrics
	log     *slog.Logger
	wake    chan struct{}
	// scrubbed is when old recipients were last deleted (Run only).
	scrubbed time.Time

	// afterClaim, if set (tests), runs between claim and send; an error
	// stops the pass as if the process had died there.
	afterClaim func() error
}

// New creates the delivery loop. senders maps each configured channel to
// its sender; a message for a channel without sender is given up. clock
// and metrics may be nil.
func New(store Store, senders map[Channel]Sender, p Policy, clock Clock, metrics *Metrics, log *slog.Logger) *Outbox {
	p.defaults()
	if clock == nil {
		clock = realClock{}
	}
	if metrics == nil {
		metrics = NewMetrics(nil)
	}
	return &Outbox{store: store, senders: senders, policy: p, clock: clock, metrics: metrics, log: log, wake: make(chan struct{}, 1)}
}

// Wake tells the loop a message was stored (the store calls it, see
// store.DB.SetOutboxWaker).
func (o *Outbox) Wake() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// Run delivers until ctx ends: whatever is due, then it sleeps until the
// next message is due, Wake is called or Idle has passed.
func (o *Outbox) Run(ctx context.Context) {
	if err := o.Recover(ctx); err != nil {
		o.log.Error("outbox: release claims", "err", err)
	}
	for {
		wait := o.policy.Idle
		if _, err := o.DeliverDue(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			o.log.Error("outbox: delivery pass", "err", err)
			wait = o.policy.FirstRetry
		} else if next, err := o.store.NextOutboxDue(ctx); err != nil {
			o.log.Error("outbox: next due", "err", err)
			wait = o.policy.FirstRetry
		} else if !next.IsZero() {
			wait = min(wait, next.Sub(o.clock.Now()))
		}
		o.updatePending(ctx)
		o.scrub(ctx)
		if wait <= 0 {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-o.wake:
		case <-o.clock.After(wait):
		}
	}
}

// Recover releases the claims a killed process left behind: their
// messages are due at once. Run calls it first. With Policy.Shared it
// releases nothing (the claims may be a live node's).
func (o *Outbox) Recover(ctx context.Context) error {
	if o.policy.Shared {
		return nil
	}
	n, err := o.store.ReleaseOutboxClaims(ctx)
	if n > 0 {
		o.log.Info("outbox: messages claimed by a previous process are due again", "count", n)
	}
	return err
}

// DeliverDue sends every message due now and returns how many it
// attempted.
func (o *Outbox) DeliverDue(ctx context.Context) (int, error) {
	total := 0
	for {
		now := o.clock.Now()
		batch, err := o.store.ClaimOutbox(ctx, now, now.Add(o.policy.Lease), o.policy.Batch)
		if err != nil {
			return total, err
		}
		if len(batch) == 0 {
			return total, nil
		}
		if o.afterClaim != nil {
			if err := o.afterClaim(); err != nil {
				return total, err
			}
		}
		for _, p := range batch {
			if err := ctx.Err(); err != nil {
				return total, err // the lease brings the rest back
			}
			if err := o.deliver(ctx, p); err != nil {
				return total, err
			}
			total++
		}
	}
}

// deliver sends one message and records the outcome; only a database
// error is returned.
func (o *Outbox) deliver(ctx context.Context, p Pending) error {
	m := p.Message
	s, ok := o.senders[m.Channel]
	var err error
	switch {
	case !ok:
		err = Permanent(fmt.Errorf("channel %q is not configured (notify.%s)", m.Channel, m.Channel))
	case tooLate(m, o.clock.Now()):
		err = Permanent(fmt.Errorf("%s not delivered before its deadline", m.Kind))
	default:
		err = s.Send(ctx, m)
	}
	now := o.clock.Now()
	// The outcome is recorded even while shutting down: a message the relay
	// took must be marked sent, or the next process sends it again.
	rec, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err == nil {
		if err := o.store.MarkOutboxSent(rec, p.ID, now); err != nil {
			return err
		}
		o.metrics.sent.WithLabelValues(string(m.Channel), string(m.Kind)).Inc()
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err() // shutting down mid-send: the lease retries it
	}
	attempts := p.Attempts + 1
	msg := Redact(err.Error(), m.Recipient)
	var perm *permanentError
	if errors.As(err, &perm) || attempts >= o.policy.MaxAttempts || now.Sub(p.FirstAttempt) >= o.policy.MaxAge {
		o.log.Warn("outbox: message given up", "id", p.ID, "kind", m.Kind, "channel", m.Channel, "attempts", attempts, "err", msg)
		o.metrics.failed.WithLabelValues(string(m.Channel), string(m.Kind)).Inc()
		return o.store.FailOutbox(rec, p.ID, attempts, now, msg)
	}
	next := now.Add(o.policy.Backoff(attempts))
	o.log.Info("outbox: will retry", "id", p.ID, "kind", m.Kind, "channel", m.Channel, "attempts", attempts, "next", next, "err", msg)
	o.metrics.retries.WithLabelValues(string(m.Channel)).Inc()
	return o.store.RetryOutbox(rec, p.ID, attempts, next, msg)
}

// scrub deletes old recipients and contents, at most once an hour.
func (o *Outbox) scrub(ctx context.Context) {
	now := o.clock.Now()
	if now.Sub(o.scrubbed) < time.Hour {
		return
	}
	o.scrubbed = now
	if _, err := o.store.ScrubOutbox(ctx, now.Add(-o.policy.Keep)); err != nil {
		o.log.Error("outbox: scrub", "err", err)
	}
}

func (o *Outbox) updatePending(ctx context.Context) {
	if st, err := o.store.OutboxStatus(ctx, 0); err == nil {
		o.metrics.pending.Set(float64(st.Pending))
	}
}

// Status is the outbox as admins see it (no recipients, no content).
func (o *Outbox) Status(ctx context.Context) (Status, error) {
	return o.store.OutboxStatus(ctx, 20)
}

// tooLate says a message can no longer serve: a code or an offer after
// its expiry, any other message of a booking once the slot has begun.
func tooLate(m Message, now time.Time) bool {
	switch m.Kind {
	case KindCode, KindWaitlistOffer:
		return !m.Expires.IsZero() && !now.Before(m.Expires)
	}
	return !m.Start.IsZero() && !now.Before(m.Start)
}

type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent marks an error retrying cannot fix.
func Permanent(err error) error { return &permanentError{err} }

var (
	emailRE  = regexp.MustCompile(`[^\s<>"'@]+@[^\s<>"'@]+`)
	numberRE = regexp.MustCompile(`\+?\d[\d \-/]{6,}\d`)
)

// Redact makes an error fit for the log and the admin view: the
// recipient, anything like an e-mail address or a phone number is
// replaced, and the text is cut to 300 bytes.
func Redact(s, recipient string) string {
	if recipient != "" {
		s = strings.ReplaceAll(s, recipient, "<recipient>")
	}
	s = emailRE.ReplaceAllString(s, "<address>")
	s = numberRE.ReplaceAllString(s, "<number>")
	if len(s) > 300 {
		s = strings.ToValidUTF8(s[:300], "")
	}
	return s
}

// Metrics are the loop's counters.
func (o *Outbox) Metrics() *Metrics { return o.metrics }
