package reception

import (
	"context"
	"errors"

	"github.com/buergerbuero/buergerbuero/appliance/problem"
)

// The web administration (package admin) may change the site's Bundesland
// and default retention while the appliance runs; both are read under
// officeMu.

// SetSiteDefaults replaces the Bundesland whose holidays close the offices
// and the default retention, and rebuilds the offices' schedules.
func (s *Service) SetSiteDefaults(ctx context.Context, state string, r Retention) error {
	s.officeMu.Lock()
	s.set.State, s.set.Retention = state, r
	s.officeMu.Unlock()
	return s.ReloadOffices(ctx)
}

func (s *Service) siteRetention() Retention {
	s.officeMu.RLock()
	defer s.officeMu.RUnlock()
	return s.set.Retention
}

// OfficeOfTicket is the office a ticket waits at (for the waiting page's
// office texts, which are public); "" for an unknown ticket.
func (s *Service) OfficeOfTicket(ctx context.Context, id string) string {
	t, err := s.store.Ticket(ctx, id)
	if err != nil {
		if !errors.Is(err, problem.ErrNotFound) {
			s.logError("office of ticket", err)
		}
		return ""
	}
	return t.OfficeID
}
