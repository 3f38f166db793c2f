package reception

import (
	"context"
	"errors"
	"github.com/buergerbuero/buergerbuero/appliance/secret"
	"github.com/buergerbuero/buergerbuero/appliance/text"
	"math"
	"strings"
	"time"
	"unicode/utf8"
)

// ArrivalRequest is a booked citizen who opened the join link in the
// slot's window (package appointments checked link and window). TicketID
// and Token are derived from the booking, so repeating the request finds
// the same ticket.
type ArrivalRequest struct {
	TicketID    string
	Token       string
	Appointment string    // the booking's id
	At          time.Time // the slot's start
	Service     string    // the service's name
	Concern     string
	Language    string
	// ReservedFor names the clerk the booking chose, if any: the ticket
	// waits for that clerk only.
	ReservedFor string
}

// Arrive puts a booked citizen into the office's queue: first, ahead of
// every walk-in (among several arrivals by slot time), or reserved for the
// chosen clerk. It skips the walk-in intake rules (the chair was booked);
// a ticket that already exists under TicketID is returned as it is.
func (s *Service) Arrive(ctx context.Context, officeID string, r ArrivalRequest) (KnockResult, error) {
	o, ok := s.office(officeID)
	if !ok {
		return KnockResult{}, ErrOfficeNotFound
	}
	mu := s.knockLock(o.ID)
	mu.Lock()
	if t, err := s.store.Ticket(ctx, r.TicketID); err == nil {
		mu.Unlock()
		if t.AppointmentID != r.Appointment {
			return KnockResult{}, ErrBadToken
		}
		return KnockResult{Ticket: t, Token: r.Token, View: s.view(t)}, nil
	} else if !errors.Is(err, ErrTicketNotFound) {
		mu.Unlock()
		return KnockResult{}, err
	}
	lang := strings.ToLower(strings.TrimSpace(r.Language))
	if lang == "" {
		lang = "de"
	}
	concern := text.Clean(r.Concern)
	if utf8.RuneCountInString(concern) > MaxConcern {
		concern = string([]rune(concern)[:MaxConcern])
	}
	now := s.knockTime(s.now())
	t := &Ticket{
		ID: r.TicketID, OfficeID: o.ID, Number: o.Prefix, Day: now.In(s.set.Loc).Format("2006-01-02"),
		TokenHash: secret.Hash(r.Token), Concern: concern, Language: lang, State: StateWaiting, KnockedAt: now, UpdatedAt: now,
		ReservedFor: r.ReservedFor, AppointmentID: r.Appointment, AppointmentAt: r.At.Truncate(time.Millisecond), Service: r.Service,
	}
	t.Estimate = s.estimate(o, s.arrivalsAhead(o.ID, t)+1)
	// a booked chair is never refused for a full walk-in queue
	ch, err := s.store.CreateTicket(ctx, t, math.MaxInt, s.rules.Knock())
	if err != nil {
		mu.Unlock()
		return KnockResult{}, err
	}
	prev, offices := s.record(ch)
	view := s.view(ch.Ticket)
	mu.Unlock()
	s.publish(ch, prev, offices)
	return KnockResult{Ticket: ch.Ticket, Token: r.Token, View: view}, nil
}

// arrivalsAhead counts the queued tickets of an office that go before t.
func (s *Service) arrivalsAhead(office string, t *Ticket) int {
	n := 0
	for _, x := range s.q.waiting(office) {
		if less(x, t) < 0 {
			n++
		}
	}
	return n
}

// TicketSummary is what the staff day view shows of an appointment's
// ticket: no name, no concern.
type TicketSummary struct {
	Number      string
	State       State
	Clerk       string
	ReservedFor string
}

// Summary returns the summary of ticket id (ErrTicketNotFound).
func (s *Service) Summary(ctx context.Context, id string) (TicketSummary, error) {
	t, ok := s.q.get(id)
	if !ok {
		var err error
		if t, err = s.store.Ticket(ctx, id); err != nil {
			return TicketSummary{}, err
		}
	}
	return TicketSummary{Number: t.Number, State: t.State, Clerk: t.Clerk, ReservedFor: t.ReservedFor}, nil
}

// Confidential reports whether office is a counselling office (no concern
// leaves it).
func (s *Service) Confidential(office string) bool {
	o, ok := s.office(office)
	return ok && o.Confidential
}
