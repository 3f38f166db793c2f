package web

import (
	"context"
	"net/http"

	"github.com/buergerbuero/buergerbuero/appliance/notify"
	"github.com/buergerbuero/buergerbuero/appliance/problem"
	"github.com/buergerbuero/buergerbuero/appliance/staff"
)

// Outbox is the notification outbox as admins see it: counts and the
// latest errors, never a recipient or a message's content.
type Outbox interface {
	OutboxStatus(ctx context.Context, recent int) (notify.Status, error)
}

type outboxView struct {
	notify.Status
	// Channels lists the configured channels (notify.email, notify.sms);
	// messages for another channel are given up.
	Channels []string `json:"channels"`
}

// apiOutbox answers GET /api/v1/staff/outbox, for admins only.
func (s *Server) apiOutbox(w http.ResponseWriter, r *http.Request) {
	if actorOf(r).Clerk.Role != staff.RoleAdmin {
		s.writeProblem(w, r, problem.Forbidden)
		return
	}
	v := outboxView{Status: notify.Status{Recent: []notify.Problem{}}, Channels: s.opt.OutboxChannels}
	if v.Channels == nil {
		v.Channels = []string{}
	}
	if s.opt.Outbox != nil {
		st, err := s.opt.Outbox.OutboxStatus(r.Context(), 20)
		if err != nil {
			s.writeProblem(w, r, err)
			return
		}
		v.Status = st
	}
	writeJSON(w, 200, v)
}
