package appointments

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/notify"
	"github.com/buergerbuero/buergerbuero/appliance/problem"
)

// HoldRequest is a citizen's request to hold a slot. The proof of work is
// checked by the caller (web) before.
type HoldRequest struct {
	Office, Service string
	Start           time.Time
	Contact         string
	Lang            string // of the messages
	// Conversation is the language of the conversation with the clerk,
	// one of the service's languages ("": Lang).
	Conversation string
	Concern      string
	Client       string // client address for the rate limit; not stored
}

// Hold is a chair held until Expires for its code.
type Hold struct {
	ID      string    `json:"id"`
	Expires time.Time `json:"expires"`
}

// Booking is a confirmed appointment as its citizen learns it once: the
// cancel token is not stored in the clear and never shown again.
type Booking struct {
	ID          string    `json:"id"`
	Office      string    `json:"office"`
	Service     string    `json:"service"`
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
	CancelToken string    `json:"cancel_token,omitempty"`
	JoinURL     string    `json:"join_url"`
}

// Hold holds a chair in a slot and stores the confirmation code message.
// At most one chair per slot is ever given out beyond its capacity: the
// count and the insert happen in one store transaction.
func (s *Book) Hold(ctx context.Context, r HoldRequest) (Hold, error) {
	o, svc, err := s.bookable(r.Office, r.Service)
	if errors.Is(err, ErrServiceNotFound) {
		return Hold{}, problem.Invalid("service", "unknown_service", nil)
	} else if err != nil {
		return Hold{}, err
	}
	lang, err := checkLang(r.Lang)
	if err != nil {
		return Hold{}, err
	}
	if err := checkConcern(r.Concern); err != nil {
		return Hold{}, err
	}
	if err := checkConversation(svc, r.Conversation); err != nil {
		return Hold{}, err
	}
	contact, channel, err := normaliseContact(r.Contact)
	if err != nil {
		return Hold{}, err
	}
	if err := s.reachable(channel); err != nil {
		return Hold{}, err
	}
	if r.Start.IsZero() {
		return Hold{}, problem.Invalid("start", "no_such_slot", nil)
	}
	now := s.now()
	key := s.contactKey(contact)
	if !s.byAddr.allow(r.Client, now) || !s.byContact.allow(key, now) {
		return Hold{}, ErrRateLimited
	}
	a := Appointment{ID: newID("a_"), Office: o.ID, Service: svc.ID, State: StateHeld, Expires: now.Add(s.set.HoldTTL),
		Channel: channel, Contact: contact, ContactKey: key, Lang: lang, Conversation: r.Conversation, Concern: r.Concern, Created: now}
	code := newCode()
	a.CodeHash = s.codeHash(a.ID, code)
	err = s.store.Tx(ctx, func(tx Tx) error {
		// a new hold replaces the contact's unconfirmed one (picked another slot)
		if err := tx.ReleaseHolds(key, o.ID, svc.ID); err != nil {
			return err
		}
		c, err := s.checkSlot(tx, o, svc, r.Start, now)
		if err != nil {
			return err
		}
		a.Start, a.End = c.start, c.end
		if active, err := tx.ActiveFor(key, o.ID, svc.ID, now); err != nil {
			return err
		} else if active {
			return ErrAlreadyBooked
		}
		if err := tx.Insert(a); err != nil {
			return err
		}
		m := s.message(notify.KindCode, a)
		m.DedupeKey, m.Code, m.Expires = "code:"+a.ID, code, a.Expires
		return tx.Enqueue(m, now)
	})
	if err != nil {
		return Hold{}, err
	}
	return Hold{ID: a.ID, Expires: a.Expires}, nil
}

// Confirm turns a hold into a booking when code is its confirmation code.
// Each wrong code counts; after Settings.CodeAttempts the hold ends.
func (s *Book) Confirm(ctx context.Context, id, code string) (Booking, error) {
	now := s.now()
	var b Booking
	var fail error
	err := s.store.Tx(ctx, func(tx Tx) error {
		a, err := tx.Appointment(id)
		if err != nil {
			return err
		}
		if a.State != StateHeld || !now.Before(a.Expires) {
			return ErrHoldExpired
		}
		if fail = s.checkCode(a.ID, code, a.CodeHash, &a.Attempts); fail != nil {
			if fail == ErrTooManyAttempts {
				a.State = StateExpired
			}
			return tx.Update(a) // the attempt is kept; the error is returned after commit
		}
		b, err = s.book(tx, a, "citizen", now)
		return err
	})
	if err != nil {
		return Booking{}, err
	}
	return b, fail
}

// book makes a booked: new cancel token, confirmation and reminders in
// the outbox, an audit entry.
func (s *Book) book(tx Tx, a Appointment, actor string, now time.Time) (Booking, error) {
	tok := newToken()
	a.State, a.Confirmed, a.CancelHash, a.CodeHash, a.Expires = StateBooked, now, tokenHash(tok), "", time.Time{}
	if err := tx.Update(a); err != nil {
		return Booking{}, err
	}
	b := Booking{ID: a.ID, Office: a.Office, Service: a.Service, Start: a.Start, End: a.End, CancelToken: tok,
		JoinURL: s.link("/a/"+a.ID, s.JoinToken(a.ID))}
	if a.Contact != "" {
		m := s.message(notify.KindConfirmation, a)
		m.DedupeKey = fmt.Sprintf("confirmation:%s:%d", a.ID, a.Sequence)
		m.JoinURL, m.CancelURL = b.JoinURL, s.link("/a/"+a.ID+"/cancel", tok)
		if err := tx.Enqueue(m, now); err != nil {
			return Booking{}, err
		}
		for _, before := range s.set.Reminders {
			due := a.Start.Add(-before)
			if !due.After(now) {
				continue
			}
			r := m
			r.Kind = notify.KindReminder
			r.DedupeKey = fmt.Sprintf("reminder:%s:%d:%d", a.ID, a.Sequence, int(before/time.Minute))
			if err := tx.Enqueue(r, due); err != nil {
				return Booking{}, err
			}
		}
	}
	detail := fmt.Sprintf("appointment %s service %s start %s", a.ID, a.Service, a.Start.UTC().Format(time.RFC3339))
	return b, tx.Audit(now, actor, "appointment_booked", a.Office, detail)
}

// Cancel cancels a booking with its cancel token (the citizen).
func (s *Book) Cancel(ctx context.Context, id, token string) error {
	return s.cancel(ctx, id, func(a Appointment) error {
		if !sameHash(tokenHash(token), a.CancelHash) {
			return ErrBadToken
		}
		return nil
	}, "citizen", "")
}

// cancel ends a booking after allow, sends the cancellation (same UID,
// next sequence), drops its pending reminders and hands the chair to the
// first verified waitlist entry of that day.
func (s *Book) cancel(ctx context.Context, id string, allow func(Appointment) error, actor, reason string) error {
	now := s.now()
	return s.store.Tx(ctx, func(tx Tx) error {
		a, err := tx.Appointment(id)
		if err != nil {
			return err
		}
		if a.State != StateBooked {
			return ErrNotFound
		}
		if err := allow(a); err != nil {
			return err
		}
		if !a.Start.After(now) {
			return ErrBookingPast
		}
		a.State, a.Cancelled, a.CancelHash = StateCancelled, now, ""
		a.Sequence++
		if err := tx.Update(a); err != nil {
			return err
		}
		if err := tx.DropUnsent("reminder:" + a.ID + ":"); err != nil {
			return err
		}
		if a.Contact != "" {
			m := s.message(notify.KindCancellation, a)
			m.DedupeKey, m.Reason = fmt.Sprintf("cancellation:%s:%d", a.ID, a.Sequence), reason
			if err := tx.Enqueue(m, now); err != nil {
				return err
			}
		}
		if err := tx.Audit(now, actor, "appointment_cancelled", a.Office, "appointment "+a.ID); err != nil {
			return err
		}
		return s.handOver(tx, a, now)
	})
}
