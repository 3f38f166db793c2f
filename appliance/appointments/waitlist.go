package appointments

import (
	"context"
	"errors"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/notify"
	"github.com/buergerbuero/buergerbuero/appliance/problem"
)

// WaitRequest asks to be told when a slot of a service on a day frees up.
type WaitRequest struct {
	Office, Service string
	Day             string // YYYY-MM-DD
	Contact, Lang   string
	Client          string // for the rate limit; not stored
}

// JoinWaitlist adds a pending entry and stores its confirmation code
// message; only a confirmed (verified) entry is offered freed slots.
func (s *Book) JoinWaitlist(ctx context.Context, r WaitRequest) (Hold, error) {
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
	contact, channel, err := normaliseContact(r.Contact)
	if err != nil {
		return Hold{}, err
	}
	if err := s.reachable(channel); err != nil {
		return Hold{}, err
	}
	now := s.now()
	day, err := time.ParseInLocation("2006-01-02", r.Day, s.set.Loc)
	if err != nil || day.Format("2006-01-02") != r.Day {
		return Hold{}, problem.Invalid("day", "day_format", nil)
	}
	y, m, d := now.In(s.set.Loc).Date()
	if day.Before(time.Date(y, m, d, 0, 0, 0, 0, s.set.Loc)) {
		return Hold{}, problem.Invalid("day", "slot_past", nil)
	}
	if !day.Before(s.horizonEnd(now)) {
		return Hold{}, problem.Invalid("day", "slot_beyond_horizon", map[string]any{"Days": s.set.HorizonDays})
	}
	key := s.contactKey(contact)
	if !s.byAddr.allow(r.Client, now) || !s.byContact.allow(key, now) {
		return Hold{}, ErrRateLimited
	}
	w := WaitEntry{ID: newID("w_"), Office: o.ID, Service: svc.ID, Day: r.Day, State: WaitPending, Channel: channel,
		Contact: contact, ContactKey: key, Lang: lang, Expires: now.Add(s.set.HoldTTL), Created: now}
	code := newCode()
	w.CodeHash = s.codeHash(w.ID, code)
	err = s.store.Tx(ctx, func(tx Tx) error {
		if err := tx.InsertWait(w); err != nil {
			return err
		}
		msg := s.message(notify.KindCode, Appointment{ID: w.ID, Office: o.ID, Service: svc.ID, Channel: channel, Contact: contact, Lang: lang})
		msg.DedupeKey, msg.Code, msg.Expires, msg.UID, msg.Duration = "code:"+w.ID, code, w.Expires, "", 0
		return tx.Enqueue(msg, now)
	})
	if err != nil {
		return Hold{}, err
	}
	return Hold{ID: w.ID, Expires: w.Expires}, nil
}

// ConfirmWaitlist verifies an entry with its code; from then on it is in
// line for its day.
func (s *Book) ConfirmWaitlist(ctx context.Context, id, code string) error {
	now := s.now()
	var fail error
	err := s.store.Tx(ctx, func(tx Tx) error {
		w, err := tx.WaitEntry(id)
		if err != nil {
			return err
		}
		if w.State != WaitPending || !now.Before(w.Expires) {
			return ErrHoldExpired
		}
		if fail = s.checkCode(w.ID, code, w.CodeHash, &w.Attempts); fail != nil {
			if fail == ErrTooManyAttempts {
				w.State = WaitExpired
			}
			return tx.UpdateWait(w)
		}
		w.State, w.Verified, w.CodeHash, w.Expires = WaitVerified, now, "", time.Time{}
		return tx.UpdateWait(w)
	})
	if err != nil {
		return err
	}
	return fail
}

// handOver offers the chair freed by a to the first verified waitlist
// entry of its service and day: the chair becomes an offered row, so it
// never shows in the open calendar meanwhile. Without an entry, or too
// close to the slot for an offer window, the chair returns to the calendar.
func (s *Book) handOver(tx Tx, freed Appointment, now time.Time) error {
	if !freed.Start.After(now.Add(s.set.OfferWindow)) {
		return nil
	}
	w, ok, err := tx.Waiting(freed.Office, freed.Service, freed.Start.In(s.set.Loc).Format("2006-01-02"))
	if err != nil || !ok {
		return err
	}
	offer := Appointment{ID: newID("a_"), Office: freed.Office, Service: freed.Service, Start: freed.Start, End: freed.End,
		State: StateOffered, Created: now}
	if err := tx.Insert(offer); err != nil {
		return err
	}
	return s.offerTo(tx, offer, w, now)
}

// offerTo gives the offered row to waitlist entry w and stores the offer.
func (s *Book) offerTo(tx Tx, offer Appointment, w WaitEntry, now time.Time) error {
	tok := newToken()
	offer.State, offer.Expires, offer.WaitlistID = StateOffered, now.Add(s.set.OfferWindow), w.ID
	offer.Channel, offer.Contact, offer.ContactKey, offer.Lang, offer.CancelHash = w.Channel, w.Contact, w.ContactKey, w.Lang, tokenHash(tok)
	if err := tx.Update(offer); err != nil {
		return err
	}
	w.State = WaitOffered
	if err := tx.UpdateWait(w); err != nil {
		return err
	}
	m := s.message(notify.KindWaitlistOffer, offer)
	m.DedupeKey, m.Expires, m.AcceptURL = "offer:"+offer.ID+":"+w.ID, offer.Expires, s.link("/w/"+offer.ID, tok)
	if err := tx.Enqueue(m, now); err != nil {
		return err
	}
	return tx.Audit(now, "system", "waitlist_offer", offer.Office, "appointment "+offer.ID+" offered to waitlist entry "+w.ID)
}

// Accept books an offered slot with the token of its offer link.
func (s *Book) Accept(ctx context.Context, offerID, token string) (Booking, error) {
	now := s.now()
	var b Booking
	err := s.store.Tx(ctx, func(tx Tx) error {
		a, err := tx.Appointment(offerID)
		if err != nil {
			return err
		}
		if a.State != StateOffered {
			return ErrOfferExpired
		}
		if !sameHash(tokenHash(token), a.CancelHash) {
			return ErrBadToken
		}
		if !now.Before(a.Expires) {
			return ErrOfferExpired
		}
		if w, err := tx.WaitEntry(a.WaitlistID); err == nil {
			w.State = WaitBooked
			if err := tx.UpdateWait(w); err != nil {
				return err
			}
		}
		b, err = s.book(tx, a, "citizen", now)
		return err
	})
	return b, err
}

// ExpireOffers passes every offer whose window has ended to the next
// verified waitlist entry, or returns its chair to the calendar.
func (s *Book) ExpireOffers(ctx context.Context) error {
	now := s.now()
	return s.store.Tx(ctx, func(tx Tx) error {
		list, err := tx.ExpiredOffers(now)
		if err != nil {
			return err
		}
		for _, a := range list {
			if w, err := tx.WaitEntry(a.WaitlistID); err == nil {
				w.State = WaitExpired
				if err := tx.UpdateWait(w); err != nil {
					return err
				}
			}
			next, ok, err := tx.Waiting(a.Office, a.Service, a.Start.In(s.set.Loc).Format("2006-01-02"))
			if err != nil {
				return err
			}
			if ok && a.Start.After(now.Add(s.set.OfferWindow)) {
				if err := s.offerTo(tx, a, next, now); err != nil {
					return err
				}
				continue
			}
			a.State = StateExpired
			if err := tx.Update(a); err != nil {
				return err
			}
			if err := tx.Audit(now, "system", "waitlist_released", a.Office, "appointment "+a.ID); err != nil {
				return err
			}
		}
		return nil
	})
}
