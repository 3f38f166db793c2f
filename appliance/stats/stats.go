// Package stats owns the usage figures for the administration: which
// ticket change counts as which figure (knocks, admitted, declined,
// abandoned, forwarded, consultations, languages, interpreters, wait and
// handling histograms), how percentiles are read from the histograms,
// k-anonymity (cells with fewer than K cases are suppressed), and the
// report with its exports (CSV, ODS) and its Prometheus gauges. The
// store persists the increments in the transaction of the change; this
// package never touches the database and never sees a citizen's data.
package stats

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/consultation"
	"github.com/buergerbuero/buergerbuero/appliance/reception"
)

// K is the smallest number of cases a published cell may have: below it
// the page, the exports and the metrics show "< 5" instead of the number,
// and no percentile (k-anonymity).
const K = 5

// Figure names a counted figure; it is stored as text.
type Figure string

// The figures counted per day, office and service.
const (
	Knocks        Figure = "knocks"        // a citizen knocked (walk-in or arrival with an appointment)
	Admitted      Figure = "admitted"      // first admission in this office
	Declined      Figure = "declined"      // the clerk declined
	Abandoned     Figure = "abandoned"     // left the queue or timed out
	Forwarded     Figure = "forwarded"     // forwarded away from this office
	Consultations Figure = "consultations" // consultation ended after the citizen entered
	Interpreted   Figure = "interpreted"   // of those, with an interpreter in the room
	Lang          Figure = "lang"          // knocks per conversation language (detail)
	Wait          Figure = "wait"          // histogram knock → admission (detail: bucket)
	Handling      Figure = "handling"      // histogram entered → ended (detail: bucket)
)

// Increment adds N to one cell. Day is the ticket's knock day in the
// site's time zone (a visit counts on the day it began).
type Increment struct {
	Day, Office, Service string
	Figure               Figure
	Detail               string
	N                    int64
}

// InterpreterRoles are the participant roles that make a consultation
// one "with an interpreter".
var InterpreterRoles = []string{consultation.RoleInterpreter, consultation.RoleSignInterpreter, consultation.RoleWrittenInterpreter}

// Facts are what the store knows about a change beyond the ticket,
// answered in the change's transaction.
type Facts struct {
	// Interpreted: an interpreter took part in the room the change ends.
	Interpreted bool
	// AdmittedBefore: the ticket was admitted in this office before (sent
	// back to the waiting room, or forwarded to a colleague in the same
	// office, and called again).
	AdmittedBefore bool
}

// Count is the reception's Counter (reception.Settings.Count): it asks the
// change's transaction for the facts Counts needs — the audit's earlier
// admissions for an admission, the room's interpreters for the end of a
// consultation — and returns Counts' increments as the reception carries
// them into the store.
func Count(ctx context.Context, ch reception.Change, facts reception.Facts) ([]reception.Tally, error) {
	var f Facts
	var err error
	if ch.Action == reception.ActAdmit {
		// the audit keeps every admission (its ticket and office stay when
		// the purge anonymises it); this one is not written yet
		if f.AdmittedBefore, err = facts.AdmittedBefore(ctx, ch.Ticket.ID, ch.Ticket.OfficeID); err != nil {
			return nil, fmt.Errorf("count admissions: %w", err)
		}
	}
	if (ch.Action == reception.ActEnd || ch.Action == reception.ActHangUp) && ch.Ticket.RoomID != "" {
		if f.Interpreted, err = facts.Attended(ctx, ch.Ticket.RoomID, InterpreterRoles); err != nil {
			return nil, fmt.Errorf("count interpreters: %w", err)
		}
	}
	incs := Counts(ch, f)
	out := make([]reception.Tally, len(incs))
	for i, inc := range incs {
		out[i] = reception.Tally{Day: inc.Day, Office: inc.Office, Service: inc.Service, Figure: string(inc.Figure), Detail: inc.Detail, N: inc.N}
	}
	return out, nil
}

// Counts says what a committed ticket change adds to the figures.
func Counts(ch reception.Change, f Facts) []Increment {
	t := ch.Ticket
	at := func(office string, f Figure, detail string) Increment {
		return Increment{Day: t.Day, Office: office, Service: t.Service, Figure: f, Detail: detail, N: 1}
	}
	switch ch.Action {
	case reception.ActKnock:
		return []Increment{at(t.OfficeID, Knocks, ""), at(t.OfficeID, Lang, t.Language)}
	case reception.ActAdmit:
		// a ticket called again in the same office was admitted once
		if f.AdmittedBefore {
			return nil
		}
		return []Increment{at(t.OfficeID, Admitted, ""), at(t.OfficeID, Wait, Bucket(t.CalledAt.Sub(t.KnockedAt)))}
	case reception.ActDecline:
		return []Increment{at(t.OfficeID, Declined, "")}
	case reception.ActLeave, reception.ActAbandon:
		return []Increment{at(t.OfficeID, Abandoned, "")}
	case reception.ActForward:
		from := t.OfficeID
		if ch.FromOffice != "" {
			from = ch.FromOffice
		}
		return []Increment{at(from, Forwarded, "")}
	case reception.ActEnd, reception.ActHangUp:
		if t.StartedAt.IsZero() {
			return nil
		}
		out := []Increment{at(t.OfficeID, Consultations, ""), at(t.OfficeID, Handling, Bucket(t.EndedAt.Sub(t.StartedAt)))}
		if f.Interpreted {
			out = append(out, at(t.OfficeID, Interpreted, ""))
		}
		return out
	}
	return nil
}

// Durations are kept as fixed-bucket histograms: a bucket is named by its
// upper bound (inclusive) in milliseconds. Steps of 30 s up to 10 min,
// of 1 min up to 1 h, of 5 min up to 4 h, then one open bucket. A
// percentile is the upper bound of the bucket holding its rank, so it is
// exact to the step and no single duration is ever stored.
var bounds = func() []int64 {
	var b []int64
	for d := 30 * time.Second; d <= 10*time.Minute; d += 30 * time.Second {
		b = append(b, d.Milliseconds())
	}
	for d := 11 * time.Minute; d <= time.Hour; d += time.Minute {
		b = append(b, d.Milliseconds())
	}
	for d := 65 * time.Minute; d <= 4*time.Hour; d += 5 * time.Minute {
		b = append(b, d.Milliseconds())
	}
	return append(b, math.MaxInt64)
}()

// Bucket names the histogram bucket of d.
func Bucket(d time.Duration) string {
	ms := max(d.Milliseconds(), 0)
	i, _ := slices.BinarySearch(bounds, ms)
	return strconv.FormatInt(bounds[i], 10)
}

// Histogram counts durations per bucket bound (ms).
type Histogram map[int64]int64

// Add counts n durations in the bucket named detail (ignoring a name
// that is not a number).
func (h Histogram) Add(detail string, n int64) {
	if b, err := strconv.ParseInt(detail, 10, 64); err == nil {
		h[b] += n
	}
}

// Count is the number of durations.
func (h Histogram) Count() int64 {
	var n int64
	for _, c := range h {
		n += c
	}
	return n
}

// Percentile returns the nearest-rank p-quantile (0 < p ≤ 1) as the upper
// bound of its bucket; the open bucket answers its lower bound (4 h).
// ok is false for an empty histogram.
func (h Histogram) Percentile(p float64) (d time.Duration, ok bool) {
	n := h.Count()
	if n == 0 {
		return 0, false
	}
	rank := int64(math.Ceil(p * float64(n)))
	keys := make([]int64, 0, len(h))
	for b := range h {
		keys = append(keys, b)
	}
	slices.Sort(keys)
	var seen int64
	for _, b := range keys {
		seen += h[b]
		if seen >= rank {
			if b == math.MaxInt64 {
				b = bounds[len(bounds)-2]
			}
			return time.Duration(b) * time.Millisecond, true
		}
	}
	return 0, false
}
