package reception

import (
	"context"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/hours"
)

// View is what a citizen sees of their own ticket. It never contains
// anything about other citizens.
type View struct {
	ID              string    `json:"id"`
	Number          string    `json:"number"`
	OfficeID        string    `json:"office_id"`
	OfficeName      string    `json:"office_name"`
	State           State     `json:"state"`
	Place           int       `json:"place,omitempty"`
	EstimateSeconds int       `json:"estimate_seconds"`
	RoomID          string    `json:"room_id,omitempty"`
	Message         string    `json:"message,omitempty"`
	ForwardedFrom   string    `json:"forwarded_from,omitempty"`
	Name            string    `json:"name,omitempty"`
	Concern         string    `json:"concern"`
	Language        string    `json:"language"`
	KnockedAt       time.Time `json:"knocked_at"`
}

// estimateContext holds what every estimate of one office needs, computed
// once per fan-out instead of once per citizen.
type estimateContext struct {
	mean      time.Duration
	n, busy   int
	estimator *Estimator
	now       time.Time
	hours     hours.Status // for capAtClosing
}

func (s *Service) estimateContext(o officeEntry) estimateContext {
	now := s.now()
	return estimateContext{mean: s.est.Mean(o.ID, now), n: s.walkInStaffing(o, now), busy: s.q.busy(o.ID), estimator: s.est,
		now: now, hours: o.sched.At(now)}
}

func (s *Service) view(t Ticket) View {
	o, ok := s.office(t.OfficeID)
	if !ok {
		return s.viewAt(t, o, 0, estimateContext{})
	}
	return s.viewAt(t, o, s.q.place(t.ID), s.estimateContext(o))
}

// viewAt renders a citizen's view; place is used for queued tickets.
func (s *Service) viewAt(t Ticket, o officeEntry, place int, e estimateContext) View {
	v := View{ID: t.ID, Number: t.Number, OfficeID: t.OfficeID, State: t.State, Name: t.Name, Concern: t.Concern,
		Language: t.Language, KnockedAt: t.KnockedAt, OfficeName: o.Name}
	switch {
	case t.State.Queued():
		v.Place = place
		if e.estimator != nil {
			v.EstimateSeconds = int(waitFor(place, e).Seconds())
		}
	case t.State == StateCalled || t.State == StateInConsultation:
		v.RoomID = t.RoomID
	case t.State == StateDeclined:
		v.Message = t.DeclineMessage
	}
	if f, ok := s.office(t.ForwardedFrom); ok {
		v.ForwardedFrom = f.Name
	}
	return v
}

// TicketView returns the citizen's view of their ticket.
func (s *Service) TicketView(ctx context.Context, id, token string) (View, error) {
	t, err := s.Authorize(ctx, id, token)
	if err != nil {
		return View{}, err
	}
	return s.view(t), nil
}

// StaffTicket is a ticket as clerks see it.
type StaffTicket struct {
	Ticket
	Place          int `json:"place,omitempty"`
	WaitingSeconds int `json:"waiting_seconds"`
	// ClerkName is the display name of the clerk who called the citizen.
	ClerkName string `json:"clerk_name,omitempty"`
	// ConsultationSeconds is how long ago the citizen was called (called
	// or in consultation only); pages count on from it, so a clerk's
	// clock that is off does not matter.
	ConsultationSeconds int `json:"consultation_seconds,omitempty"`
	// AppointmentTime is the booked slot's start, "10:15" in the site's
	// time zone, for "Termin 10:15" (appointment tickets only).
	AppointmentTime string `json:"appointment_time,omitempty"`
}

func (s *Service) staffView(t Ticket) StaffTicket {
	now := s.now()
	st := StaffTicket{Ticket: t, WaitingSeconds: int(now.Sub(t.KnockedAt).Seconds())}
	if t.State.Queued() {
		st.Place = s.q.place(t.ID)
	}
	if (t.State == StateCalled || t.State == StateInConsultation) && !t.CalledAt.IsZero() {
		st.ConsultationSeconds = max(0, int(now.Sub(t.CalledAt).Seconds()))
	}
	st.ClerkName = s.clerkName(t.Clerk)
	if !t.AppointmentAt.IsZero() {
		st.AppointmentTime = t.AppointmentAt.In(s.set.Loc).Format("15:04")
	}
	if len(t.Notes) > 0 {
		st.Notes = make([]Note, len(t.Notes))
		for i, n := range t.Notes {
			n.AuthorName = s.clerkName(n.Author)
			st.Notes[i] = n
		}
	}
	if len(t.Forwards) > 0 {
		st.Forwards = make([]Forward, len(t.Forwards))
		for i, f := range t.Forwards {
			f.ByName, f.ClerkName = s.clerkName(f.By), s.clerkName(f.ToClerk)
			if o, ok := s.office(f.FromOffice); ok {
				f.FromName = o.Name
			}
			if o, ok := s.office(f.ToOffice); ok {
				f.ToName = o.Name
			}
			st.Forwards[i] = f
		}
	}
	return st
}

// clerkName returns a clerk's display name ("" for none, the login for a
// clerk no longer known).
func (s *Service) clerkName(login string) string {
	if login == "" {
		return ""
	}
	s.clerkMu.RLock()
	c, ok := s.clerks[login]
	s.clerkMu.RUnlock()
	if !ok || c.DisplayName == "" {
		return login
	}
	return c.DisplayName
}

// OfficeStatus is the public status of an office.
type OfficeStatus struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Languages   []string `json:"languages"`
	Open        bool     `json:"open"`
	// State is closed, unstaffed (open, nobody on duty) or open.
	State           string    `json:"state"`
	ClosesAt        time.Time `json:"closes_at,omitzero"`
	NextOpen        time.Time `json:"next_open,omitzero"`
	Holiday         string    `json:"holiday,omitempty"`
	Chairs          int       `json:"chairs"`
	ChairsFree      int       `json:"chairs_free"`
	ClerksOnDuty    int       `json:"clerks_on_duty"`
	Waiting         int       `json:"waiting"`
	EstimateSeconds int       `json:"estimate_seconds"`
	Accepting       bool      `json:"accepting_knocks"`
	Reason          string    `json:"reason,omitempty"` // closed, nobody_on_duty, closing_soon, queue_full
	// Confidential: counselling; the knock needs no name.
	Confidential bool `json:"confidential,omitempty"`
	// ConcernCategories, if any, are the concerns a knock may choose from.
	ConcernCategories []string `json:"concern_categories,omitempty"`
}

// Offices returns the public status of every office, in display order.
func (s *Service) Offices() []OfficeStatus {
	s.officeMu.RLock()
	order := append([]string(nil), s.order...)
	s.officeMu.RUnlock()
	out := make([]OfficeStatus, 0, len(order))
	for _, id := range order {
		if st, ok := s.OfficeStatus(id); ok {
			out = append(out, st)
		}
	}
	return out
}

// OfficeStatus returns one office's public status.
func (s *Service) OfficeStatus(id string) (OfficeStatus, bool) {
	o, ok := s.office(id)
	if !ok {
		return OfficeStatus{}, false
	}
	now := s.now()
	h := o.sched.At(now)
	staffed := s.staffing(o)
	waiting := s.q.count(o.ID)
	st := OfficeStatus{
		ID: o.ID, Name: o.Name, Description: o.Description, Languages: o.Languages, Open: h.Open, State: officeState(h, staffed),
		ClosesAt: h.ClosesAt, NextOpen: h.NextOpen, Holiday: h.Holiday, Chairs: o.Chairs, ClerksOnDuty: staffed,
		ChairsFree: max(0, staffed-s.q.busy(o.ID)-waiting), Waiting: waiting,
		EstimateSeconds: int(capAtClosing(s.estimate(o, waiting+1), now, h).Seconds()),
	}
	if !h.Open {
		st.ChairsFree = 0 // a clerk signed in after hours is no free desk for a citizen
	}
	st.Confidential, st.ConcernCategories = o.Confidential, o.ConcernCategories
	if err := s.intake(o, now); err != nil {
		st.Reason = codeOf(err)
	} else {
		st.Accepting = true
	}
	return st, true
}

func codeOf(err error) string {
	switch err {
	case ErrClosed:
		return "closed"
	case ErrNobodyOnDuty:
		return "nobody_on_duty"
	case ErrClosingSoon:
		return "closing_soon"
	case ErrQueueFull:
		return "queue_full"
	}
	return "unavailable"
}

// Office returns an office's definition.
func (s *Service) Office(id string) (Office, bool) {
	o, ok := s.office(id)
	return o.Office, ok
}

func waitFor(place int, e estimateContext) time.Duration {
	return capAtClosing(e.estimator.waitWith(e.mean, place, e.n, e.busy), e.now, e.hours)
}
