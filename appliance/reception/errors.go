package reception

import (
	"github.com/buergerbuero/buergerbuero/appliance/consultation"
	"github.com/buergerbuero/buergerbuero/appliance/problem"
)

// Problems the reception reports; the web layer maps kinds to HTTP status.
var (
	ErrTicketNotFound = problem.New(problem.KindNotFound, "ticket_not_found")
	ErrOfficeNotFound = problem.New(problem.KindNotFound, "office_not_found")
	ErrBadToken       = problem.New(problem.KindUnauthorized, "bad_token")
	ErrQueueFull      = problem.New(problem.KindFull, "queue_full")
	ErrClosed         = problem.New(problem.KindClosed, "office_closed")
	ErrClosingSoon    = problem.New(problem.KindClosed, "closing_soon")
	ErrRateLimited    = problem.New(problem.KindRateLimited, "rate_limited")
	ErrNotMember      = consultation.ErrNotMember
	ErrReserved       = problem.New(problem.KindConflict, "reserved")
	ErrBusy           = problem.New(problem.KindConflict, "clerk_busy")
	ErrNotParticipant = consultation.ErrNotParticipant
)
