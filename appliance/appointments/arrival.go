package appointments

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/problem"
)

// The join link in the slot: Arrive checks the signed link and its window
// and marks the booking arrived; the caller (web) then puts the citizen
// into the office's queue under the ticket id and token derived here, so
// that opening the link twice, or again after a crash between the two
// steps, gives the same ticket. MarkNoShows ends the bookings whose window
// passed without arrival.

// Problems of the join link (messages: appliance/i18n/locales/arrival.*.json).
var (
	ErrJoinTooEarly     = problem.New(problem.KindConflict, "join_too_early")
	ErrJoinTooLate      = problem.New(problem.KindGone, "join_too_late")
	ErrBookingCancelled = problem.New(problem.KindGone, "booking_cancelled")
)

// WindowError is a join link opened outside its window (or of a cancelled
// booking): Err is the problem, Start the slot's start, which the edge
// writes into the message in the reader's language and time zone.
type WindowError struct {
	Err   *problem.Error
	Start time.Time
}

func (e *WindowError) Error() string {
	return e.Err.Error() + " start " + e.Start.UTC().Format(time.RFC3339)
}

// Unwrap lets problem.As and errors.Is see the problem.
func (e *WindowError) Unwrap() error { return e.Err }

// Arrival is a booking whose citizen opened the join link in its window.
type Arrival struct {
	ID          string
	Office      string
	Service     string // the service's name
	Start, End  time.Time
	Concern     string
	Lang        string
	TicketID    string // the reception ticket to create or find
	TicketToken string // its citizen token
}

// Arrive checks the join token and the window of booking id and marks it
// arrived. An arrived booking answers the same Arrival again, also after
// its window, so a citizen who reopens the link finds their ticket.
func (s *Book) Arrive(ctx context.Context, id, token string) (Arrival, error) {
	if token == "" || !s.CheckJoinToken(id, token) {
		return Arrival{}, ErrBadToken
	}
	now := s.now()
	var a Appointment
	first := false
	err := s.store.Tx(ctx, func(tx Tx) error {
		var err error
		if a, err = tx.Appointment(id); err != nil {
			return err
		}
		switch a.State {
		case StateArrived:
			return nil
		case StateCancelled:
			return &WindowError{ErrBookingCancelled, a.Start}
		case StateNoShow:
			return &WindowError{ErrJoinTooLate, a.Start}
		case StateBooked:
		default:
			return ErrNotFound
		}
		if now.Before(a.Start.Add(-s.set.JoinBefore)) {
			return &WindowError{ErrJoinTooEarly, a.Start}
		}
		if now.After(a.Start.Add(s.set.JoinAfter)) {
			return &WindowError{ErrJoinTooLate, a.Start}
		}
		a.State, a.Arrived, a.TicketID = StateArrived, now, s.ticketID(a.ID)
		if err := tx.Update(a); err != nil {
			return err
		}
		first = true
		return tx.Audit(now, "citizen", "appointment_arrived", a.Office, "appointment "+a.ID+" ticket "+a.TicketID)
	})
	if err != nil {
		return Arrival{}, err
	}
	if first {
		s.metrics.arrived(a.Office)
	}
	arr := Arrival{ID: a.ID, Office: a.Office, Service: a.Service, Start: a.Start, End: a.End, Concern: a.Concern, Lang: cmp.Or(a.Conversation, a.Lang),
		TicketID: a.TicketID, TicketToken: s.ticketToken(a.ID)}
	if o, err := s.office(a.Office); err == nil {
		if svc, ok := o.service(a.Service); ok {
			arr.Service = svc.Name
		}
	}
	return arr, nil
}

// ticketID is the reception ticket id of booking id: derived, so that
// every opening of the link names the same ticket.
func (s *Book) ticketID(id string) string {
	m := hmac.New(sha256.New, s.set.Secret)
	m.Write([]byte("ticket-id\x00" + id))
	return "t_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(m.Sum(nil)[:10]))
}

// ticketToken is the citizen token of that ticket (the waiting room's
// bearer token); only the holder of the join token learns it.
func (s *Book) ticketToken(id string) string {
	m := hmac.New(sha256.New, s.set.Secret)
	m.Write([]byte("ticket-token\x00" + id))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:24])
}

// MarkNoShows marks every booking whose join window ended before now
// without arrival as a no-show (counted per office; the row stays for the
// aggregates). It returns how many it marked.
func (s *Book) MarkNoShows(ctx context.Context) (int, error) {
	now := s.now()
	var marked []Appointment
	err := s.store.Tx(ctx, func(tx Tx) error {
		list, err := tx.Overdue(now.Add(-s.set.JoinAfter))
		if err != nil {
			return err
		}
		marked = list
		for _, a := range list {
			a.State = StateNoShow
			if err := tx.Update(a); err != nil {
				return err
			}
			if err := tx.DropUnsent("reminder:" + a.ID + ":"); err != nil {
				return err
			}
			if err := tx.Audit(now, "system", "appointment_no_show", a.Office, "appointment "+a.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("mark no-shows: %w", err)
	}
	for _, a := range marked { // counted once committed
		s.metrics.noShow(a.Office)
	}
	return len(marked), nil
}

// DayEntry is one appointment in the staff day view.
type DayEntry struct {
	ID          string
	Service     string // id
	ServiceName string
	Start, End  time.Time
	State       State
	Concern     string
	TicketID    string
	BookedBy    string
}

// Day lists the appointments of office on the day (YYYY-MM-DD in
// site.time_zone) that a clerk of the office may see: booked, arrived,
// no-show and cancelled ones, by start.
func (s *Book) Day(ctx context.Context, office, day string) ([]DayEntry, error) {
	o, err := s.office(office)
	if err != nil {
		return nil, err
	}
	d, err := time.ParseInLocation("2006-01-02", day, s.set.Loc)
	if err != nil {
		return nil, problem.Invalid("day", "day_format", nil)
	}
	list, err := s.store.Day(ctx, office, d, d.AddDate(0, 0, 1))
	if err != nil {
		return nil, err
	}
	out := make([]DayEntry, 0, len(list))
	for _, a := range list {
		e := DayEntry{ID: a.ID, Service: a.Service, Start: a.Start, End: a.End, State: a.State, Concern: a.Concern,
			TicketID: a.TicketID, BookedBy: a.BookedBy}
		if svc, ok := o.service(a.Service); ok {
			e.ServiceName = svc.Name
		}
		out = append(out, e)
	}
	return out, nil
}

// IsWindowError reports whether err is a join link outside its window.
func IsWindowError(err error) (*WindowError, bool) {
	var w *WindowError
	ok := errors.As(err, &w)
	return w, ok
}

// JoinBefore is how long before a slot its join link opens.
func (s *Book) JoinBefore() time.Duration { return s.set.JoinBefore }
