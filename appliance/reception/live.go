package reception

import (
	"context"
	"github.com/buergerbuero/buergerbuero/appliance/consultation"
	"slices"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/staff"
)

// committed brings memory, metrics, estimator, presence and live
// connections up to date after a change was stored.
func (s *Service) committed(ch Change) {
	prev, offices := s.record(ch)
	s.publish(ch, prev, offices)
}

// record applies a stored change to the in-memory queue; it returns the
// ticket as it was and the offices whose queue changed.
func (s *Service) record(ch Change) (prev Ticket, offices []string) {
	prev, _ = s.q.get(ch.Ticket.ID)
	offices, _ = s.q.applyAt(ch.Ticket, ch.FromOffice, ch.Seq)
	return prev, offices
}

// publish brings metrics, estimator, presence and live connections up to
// date after record.
func (s *Service) publish(ch Change, prev Ticket, offices []string) {
	t := ch.Ticket
	s.metrics.action(t.OfficeID, ch.Action)
	switch ch.Action {
	case ActAdmit:
		wait := t.CalledAt.Sub(t.KnockedAt)
		s.metrics.waited(t.OfficeID, wait, t.Estimate)
		s.setClerkPresence(t.Clerk, staff.PresenceInConsultation)
	case ActEnd, ActHangUp:
		s.est.Add(Sample{OfficeID: t.OfficeID, EndedAt: t.EndedAt, Duration: t.EndedAt.Sub(t.StartedAt)})
	}
	if (ch.Before == StateCalled || ch.Before == StateInConsultation) && !(t.State == StateCalled || t.State == StateInConsultation) {
		s.setClerkPresence(prev.Clerk, staff.PresenceAvailable)
	}
	if prev.RoomID != "" && prev.RoomID != t.RoomID || prev.RoomID != "" && t.State.Final() {
		s.closeRoom(context.Background(), prev.RoomID, t.OfficeID)
		if s.RoomEnded != nil {
			s.RoomEnded(prev.RoomID)
		}
	}
	if t.State.Final() {
		s.visitEnded(context.Background(), t)
	}
	s.refreshGauges()
	// the changed ticket first: "you are being called" must not wait behind
	// thousands of place updates
	s.Hub.deliver(t.ID, s.view(t))
	for _, o := range offices {
		s.pushOffice(o, t.ID)
	}
	s.Hub.wakeEvents()
}

func (s *Service) setClerkPresence(login string, p staff.Presence) {
	if s.mirrorPresence(login, p) && s.PresenceChanged != nil {
		s.PresenceChanged(login, p)
	}
}

// mirrorPresence changes a clerk's presence in memory (not on a break or
// offline); it reports whether the clerk is known.
func (s *Service) mirrorPresence(login string, p staff.Presence) bool {
	if login == "" || login == "citizen" || login == "system" {
		return false
	}
	s.clerkMu.Lock()
	defer s.clerkMu.Unlock()
	c, ok := s.clerks[login]
	if ok && c.Presence != staff.PresenceBreak && c.Presence != staff.PresenceOffline {
		c.Presence = p
		s.clerks[login] = c
	}
	return ok
}

// busy: a clerk is with the ticket's citizen.
func busy(st State) bool { return st == StateCalled || st == StateInConsultation }

// pushOffice sends fresh place and estimate to every watched queued ticket
// of an office (except skip, which was sent already).
func (s *Service) pushOffice(office, skip string) {
	o, ok := s.office(office)
	if !ok {
		return
	}
	e := s.estimateContext(o)
	for i, t := range s.q.waiting(office) {
		if t.ID != skip && s.Hub.Watched(t.ID) {
			s.Hub.deliver(t.ID, s.viewAt(*t, o, i+1, e))
		}
	}
}

// RefreshAll re-sends views to every watched ticket (estimates age).
func (s *Service) RefreshAll() {
	s.officeMu.RLock()
	order := slices.Clone(s.order)
	s.officeMu.RUnlock()
	for _, o := range order {
		s.pushOffice(o, "")
	}
}

// Connected is called when a citizen's live connection opens; the ticket
// is no longer at risk of being abandoned.
func (s *Service) Connected(ctx context.Context, ticketID string) error {
	return s.store.SetDisconnected(ctx, ticketID, time.Time{})
}

// Disconnected is called when a citizen's last live connection closed; the
// grace period starts.
func (s *Service) Disconnected(ctx context.Context, ticketID string) error {
	if t, ok := s.q.get(ticketID); !ok || t.State.Final() {
		return nil
	}
	return s.store.SetDisconnected(ctx, ticketID, s.now())
}

// Sweep abandons queued or called tickets whose citizen has been gone
// longer than the grace period, and purges personal data past retention.
func (s *Service) Sweep(ctx context.Context) error {
	gone, err := s.store.Disconnected(ctx)
	if err != nil {
		return err
	}
	now := s.now()
	for id, since := range gone {
		if s.Hub.Watched(id) {
			// connected here: the disconnection was recorded by another
			// node after the citizen had moved to this one
			if err := s.store.SetDisconnected(ctx, id, time.Time{}); err != nil {
				return err
			}
			continue
		}
		if now.Sub(since) < s.set.GracePeriod {
			continue
		}
		t, ok := s.q.get(id)
		if !ok || t.State == StateInConsultation {
			continue
		}
		ch, err := s.apply(ctx, id, ActAbandon, "system", finish(now))
		if err != nil {
			if IsConflict(err) {
				continue
			}
			return err
		}
		s.committed(ch)
	}
	if err := s.returnUnanswered(ctx, now); err != nil {
		return err
	}
	// deletion is due per retention period, not per sweep: every 10 minutes is plenty
	if now.Sub(s.lastPurge) < purgeEvery {
		return nil
	}
	if _, err := s.store.Purge(ctx, s.purgeRules(now), now.Add(-eventsKept)); err != nil {
		return err
	}
	s.lastPurge = now
	return nil
}

const purgeEvery = 10 * time.Minute

// eventsKept is how long the staff event stream can be replayed (the
// Matrix bridge catches up after an outage); events hold no personal data.
const eventsKept = 7 * 24 * time.Hour

// returnUnanswered puts called citizens who did not come into the room
// within the called timeout back into the
// waiting room with their place, so the clerk's chair is free again.
func (s *Service) returnUnanswered(ctx context.Context, now time.Time) error {
	for _, id := range s.q.calledBy(now.Add(-s.set.CalledTimeout)) {
		ch, err := s.apply(ctx, id, ActReturn, "system", func(t *Ticket) (*consultation.Room, error) {
			backToQueue(t, now)
			return nil, nil
		})
		if IsConflict(err) {
			continue
		}
		if err != nil {
			return err
		}
		s.committed(ch)
	}
	return nil
}

// Run sweeps and refreshes estimates until ctx ends.
func (s *Service) Run(ctx context.Context) {
	sweep := time.NewTicker(min(s.set.GracePeriod/4, 15*time.Second))
	refresh := time.NewTicker(time.Minute)
	defer sweep.Stop()
	defer refresh.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-sweep.C:
			if err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("sweep", "err", err)
			}
		case <-refresh.C:
			s.RefreshAll()
		}
	}
}
