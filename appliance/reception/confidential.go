package reception

import (
	"context"
	"slices"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/problem"
	"github.com/buergerbuero/buergerbuero/appliance/text"
)

// Confidential mode and retention: what an office keeps of a visit, and
// when it is deleted. A confidential office (counselling) takes anonymous
// knocks whose concern may be one of its categories, and keeps nothing of
// the consultation once it has ended.

// checkKnock applies the office's mode to a knock: a confidential office
// stores no name, and where it lists concern categories the concern must be
// one of them.
func checkKnock(o Office, r *KnockRequest) error {
	if o.Confidential {
		r.Name = ""
		if len(o.ConcernCategories) > 0 {
			if !slices.Contains(o.ConcernCategories, r.Concern) {
				return problem.Invalid("concern", "concern_category", map[string]any{"Allowed": o.ConcernCategories})
			}
			return nil
		}
	}
	return text.CheckLen("concern", r.Concern, 3, MaxConcern)
}

// closeRoom runs when a consultation room closes (end, return, forward,
// decline, hang-up): invites and external sessions are void at once; the
// chat and files are deleted now if the office keeps no content.
func (s *Service) closeRoom(ctx context.Context, roomID, officeID string) {
	if err := s.Rooms.Close(ctx, roomID, s.retention(officeID).Content != 0); err != nil {
		s.logError("close room", err)
	}
}

// visitEnded runs when a ticket reached a final state: notes go when the
// office keeps no content; a confidential office forgets the visit's
// personal fields and who handled it at once.
func (s *Service) visitEnded(ctx context.Context, t Ticket) {
	o, _ := s.office(t.OfficeID)
	if o.Confidential {
		if err := s.store.ForgetTicket(ctx, t.ID, true); err != nil {
			s.logError("forget ticket", err)
		}
		return
	}
	if s.retention(t.OfficeID).Content == 0 {
		if err := s.store.DeleteNotes(ctx, t.ID); err != nil {
			s.logError("delete notes", err)
		}
	}
}

// retention returns an office's retention (its own or the site default); a
// confidential office keeps no content.
func (s *Service) retention(officeID string) Retention {
	r := s.siteRetention()
	o, ok := s.office(officeID)
	if ok && o.Retention != nil {
		r = *o.Retention
	}
	if o.Confidential {
		r.Content = 0
	}
	return r
}

// PurgeRule is what Purge deletes for one office (OfficeID "" stands for
// every office without a rule of its own).
type PurgeRule struct {
	OfficeID       string
	ContentBefore  time.Time // chat, files, notes of visits ended before
	PersonalBefore time.Time // name, concern of tickets ended before
}

func (s *Service) purgeRules(now time.Time) []PurgeRule {
	s.officeMu.RLock()
	ids := slices.Clone(s.order)
	s.officeMu.RUnlock()
	def := s.siteRetention()
	rules := []PurgeRule{{ContentBefore: now.Add(-def.Content), PersonalBefore: now.Add(-def.Personal)}}
	for _, id := range ids {
		r := s.retention(id)
		rules = append(rules, PurgeRule{OfficeID: id, ContentBefore: now.Add(-r.Content), PersonalBefore: now.Add(-r.Personal)})
	}
	return rules
}
