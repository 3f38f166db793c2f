package appointments

import (
	"context"
	"log/slog"
	"net/url"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/notify"
	"github.com/buergerbuero/buergerbuero/appliance/problem"
)

// Book is the appointment book of the appliance: the domain service.
type Book struct {
	store Store
	set   Settings
	log   *slog.Logger
	now   func() time.Time

	byAddr, byContact *limiter
	metrics           *Metrics

	mu      sync.RWMutex
	offices map[string]*Office
}

// New returns the book; offices can be replaced with SetOffices.
func New(st Store, set Settings, offices []Office, log *slog.Logger) *Book {
	if set.Loc == nil {
		set.Loc = time.UTC
	}
	if set.JoinAfter <= 0 { // settings built in code: a booking is never a no-show at its start
		set.JoinAfter = 15 * time.Minute
	}
	if log == nil {
		log = slog.Default()
	}
	s := &Book{store: st, set: set, log: log, now: time.Now,
		byAddr: newLimiter(set.HoldBurst, set.HoldPer), byContact: newLimiter(set.ContactBurst, set.ContactPer),
		metrics: NewMetrics(nil)}
	s.SetOffices(offices)
	return s
}

// SetClock replaces the clock (tests).
func (s *Book) SetClock(now func() time.Time) { s.now = now }

// SetOffices replaces the offices.
func (s *Book) SetOffices(list []Office) {
	m := make(map[string]*Office, len(list))
	for i := range list {
		o := list[i]
		if o.Schedule.Loc == nil {
			o.Schedule.Loc = s.set.Loc
		}
		m[o.ID] = &o
	}
	s.mu.Lock()
	s.offices = m
	s.mu.Unlock()
}

// ReservedChairs is the number of chairs office reserves for appointments
// at t (0 outside its opening hours), for the walk-in estimate.
func (s *Book) ReservedChairs(office string, t time.Time) int {
	o, err := s.office(office)
	if err != nil || !o.Schedule.IsOpen(t) {
		return 0
	}
	return o.Chairs[t.In(s.set.Loc).Weekday()]
}

func (s *Book) office(id string) (*Office, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	o, ok := s.offices[id]
	if !ok {
		return nil, ErrOfficeNotFound
	}
	return o, nil
}

func (s *Book) bookable(officeID, serviceID string) (*Office, Service, error) {
	o, err := s.office(officeID)
	if err != nil {
		return nil, Service{}, err
	}
	svc, ok := o.service(serviceID)
	if !ok || !svc.Mode.Bookable() {
		return nil, Service{}, ErrServiceNotFound
	}
	return o, svc, nil
}

// Run expires waitlist offers (handing the chair to the next entry),
// marks no-shows and purges personal data until ctx ends.
func (s *Book) Run(ctx context.Context) {
	tick := time.NewTicker(15 * time.Second)
	defer tick.Stop()
	var purged time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if err := s.ExpireOffers(ctx); err != nil {
			s.log.Error("expire waitlist offers", "err", err)
		}
		if _, err := s.MarkNoShows(ctx); err != nil {
			s.log.Error("mark no-shows", "err", err)
		}
		if now := s.now(); now.Sub(purged) > time.Hour {
			if _, err := s.Purge(ctx); err != nil {
				s.log.Error("purge appointments", "err", err)
			}
			purged = now
		}
	}
}

// Purge deletes contact data and concern of appointments that ended more
// than Settings.Retention ago; aggregates stay.
func (s *Book) Purge(ctx context.Context) (int, error) {
	return s.store.PurgeAppointments(ctx, s.now().Add(-s.set.Retention).In(s.set.Loc))
}

var langRE = regexp.MustCompile(`^[a-z]{2}(-x-ls)?$`)

// checkLang defaults an empty language to German.
func checkLang(lang string) (string, error) {
	if lang == "" {
		return "de", nil
	}
	if !langRE.MatchString(lang) {
		return "", problem.Invalid("language", "language", nil)
	}
	return lang, nil
}

// errConversationNotOffered: the chosen conversation language is not one
// of the service's (same code and text as a knock's).
var errConversationNotOffered = problem.New(problem.KindInvalid, "language_not_offered")

// checkConversation admits "" (the messages' language) or one of the
// service's languages; a service without a list admits any language tag.
func checkConversation(svc Service, lang string) error {
	if lang == "" {
		return nil
	}
	if !langRE.MatchString(lang) {
		return problem.Invalid("conversation_language", "language", nil)
	}
	if len(svc.Languages) > 0 && !slices.Contains(svc.Languages, lang) {
		return errConversationNotOffered.With("conversation_language", map[string]any{"Allowed": svc.Languages})
	}
	return nil
}

const maxConcern = 500

func checkConcern(c string) error {
	if n := len([]rune(c)); n > maxConcern {
		return problem.Invalid("concern", "too_long", map[string]any{"Count": maxConcern, "Now": n})
	}
	return nil
}

// link is PublicURL + path + "#" + token: the token after '#' never
// reaches a server log.
func (s *Book) link(path, token string) string {
	u := s.set.PublicURL + path
	if token != "" {
		u += "#" + token
	}
	return u
}

// message is the common part of every message about a.
func (s *Book) message(kind notify.Kind, a Appointment) notify.Message {
	m := notify.Message{Kind: kind, Channel: a.Channel, Recipient: a.Contact, Lang: a.Lang, Start: a.Start,
		Duration: a.End.Sub(a.Start), Sequence: a.Sequence, UID: a.ID + "@" + s.host()}
	if o, err := s.office(a.Office); err == nil {
		m.Office = o.Name
		if svc, ok := o.service(a.Service); ok {
			m.Service, m.WhatToBring = svc.Name, svc.WhatToBring
		}
		m.RebookURL = s.link("/offices/"+url.PathEscape(o.ID)+"/book", "")
	}
	return m
}

func (s *Book) host() string {
	if u, err := url.Parse(s.set.PublicURL); err == nil && u.Hostname() != "" {
		return u.Hostname()
	}
	return "buergerbuero"
}

// Location is site.time_zone, in which days are read.
func (s *Book) Location() *time.Location { return s.set.Loc }
