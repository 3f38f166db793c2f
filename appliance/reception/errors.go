package reception

import "github.com/buergerbuero/buergerbuero/appliance/problem"

// Problems the reception reports; the web layer maps kinds to HTTP status.
var (
	ErrTicketNotFound  = problem.New(problem.KindNotFound, "ticket_not_found")
	ErrOfficeNotFound  = problem.New(problem.KindNotFound, "office_not_found")
	ErrRoomNotFound    = problem.New(problem.KindNotFound, "room_not_found")
	ErrFileNotFound    = problem.New(problem.KindNotFound, "file_not_found")
	ErrBadToken        = problem.New(problem.KindUnauthorized, "bad_token")
	ErrInviteInvalid   = problem.New(problem.KindGone, "invite_invalid")
	ErrQueueFull       = problem.New(problem.KindFull, "queue_full")
	ErrClosed          = problem.New(problem.KindClosed, "office_closed")
	ErrClosingSoon     = problem.New(problem.KindClosed, "closing_soon")
	ErrRateLimited     = problem.New(problem.KindRateLimited, "rate_limited")
	ErrNotMember       = problem.New(problem.KindForbidden, "not_member")
	ErrReserved        = problem.New(problem.KindConflict, "reserved")
	ErrBusy            = problem.New(problem.KindConflict, "clerk_busy")
	ErrRoomClosed      = problem.New(problem.KindGone, "room_closed")
	ErrMessageNotFound = problem.New(problem.KindNotFound, "message_not_found")
	ErrNotParticipant  = problem.New(problem.KindForbidden, "not_participant")
	ErrJoinNotAllowed  = problem.New(problem.KindForbidden, "join_not_allowed")
	ErrTooLarge        = problem.New(problem.KindTooLarge, "too_large")
)
