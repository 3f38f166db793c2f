package appointments

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/problem"
	"github.com/buergerbuero/buergerbuero/appliance/staff"
)

// PhoneBooking is a booking a clerk makes for a citizen who phones. The
// contact is optional: without it no message is sent.
type PhoneBooking struct {
	Office, Service string
	Start           time.Time
	Contact, Lang   string
	Concern         string
}

// BookForCitizen books a slot directly (no code: the clerk speaks to the
// citizen). Capacity, limits and "one active booking" apply as online.
func (s *Book) BookForCitizen(ctx context.Context, c staff.Clerk, r PhoneBooking) (Booking, error) {
	if !c.MemberOf(r.Office) {
		return Booking{}, ErrNotMember
	}
	o, svc, err := s.bookable(r.Office, r.Service)
	if errors.Is(err, ErrServiceNotFound) {
		return Booking{}, problem.Invalid("service", "unknown_service", nil)
	} else if err != nil {
		return Booking{}, err
	}
	lang, err := checkLang(r.Lang)
	if err != nil {
		return Booking{}, err
	}
	if err := checkConcern(r.Concern); err != nil {
		return Booking{}, err
	}
	now := s.now()
	a := Appointment{ID: newID("a_"), Office: o.ID, Service: svc.ID, State: StateHeld, Lang: lang, Concern: r.Concern,
		BookedBy: c.Login, Created: now}
	if r.Contact != "" {
		if a.Contact, a.Channel, err = normaliseContact(r.Contact); err != nil {
			return Booking{}, err
		}
		if err := s.reachable(a.Channel); err != nil {
			return Booking{}, err
		}
		a.ContactKey = s.contactKey(a.Contact)
	}
	var b Booking
	err = s.store.Tx(ctx, func(tx Tx) error {
		cand, err := s.checkSlot(tx, o, svc, r.Start, now)
		if err != nil {
			return err
		}
		a.Start, a.End = cand.start, cand.end
		if a.ContactKey != "" {
			if active, err := tx.ActiveFor(a.ContactKey, o.ID, svc.ID, now); err != nil {
				return err
			} else if active {
				return ErrAlreadyBooked
			}
		}
		if err := tx.Insert(a); err != nil {
			return err
		}
		b, err = s.book(tx, a, c.Login, now)
		return err
	})
	return b, err
}

// CancelByClerk cancels a booking of the clerk's office; reason goes to
// the citizen in the cancellation message.
func (s *Book) CancelByClerk(ctx context.Context, c staff.Clerk, id, reason string) error {
	if n := len([]rune(reason)); n > maxConcern {
		return problem.Invalid("reason", "too_long", map[string]any{"Count": maxConcern, "Now": n})
	}
	return s.cancel(ctx, id, func(a Appointment) error {
		if !c.MemberOf(a.Office) {
			return ErrNotMember
		}
		return nil
	}, c.Login, reason)
}

// AdjustCapacity blocks (chairs < 0) or adds (chairs > 0) chairs of an
// office in [start, end). Existing bookings stay; a block only stops new
// ones.
func (s *Book) AdjustCapacity(ctx context.Context, c staff.Clerk, a Adjustment) error {
	if !c.MemberOf(a.Office) {
		return ErrNotMember
	}
	if _, err := s.office(a.Office); err != nil {
		return err
	}
	if a.Chairs == 0 || a.Chairs < -50 || a.Chairs > 50 {
		return problem.Invalid("chairs", "chairs_range", map[string]any{"Max": 50})
	}
	if !a.End.After(a.Start) || a.End.Sub(a.Start) > 31*24*time.Hour {
		return problem.Invalid("end", "window", nil)
	}
	now := s.now()
	a.By = c.Login
	return s.store.Tx(ctx, func(tx Tx) error {
		if err := tx.AddCapacity(a, now); err != nil {
			return err
		}
		detail := fmt.Sprintf("chairs %+d from %s to %s", a.Chairs, a.Start.UTC().Format(time.RFC3339), a.End.UTC().Format(time.RFC3339))
		return tx.Audit(now, c.Login, "appointment_capacity", a.Office, detail)
	})
}
