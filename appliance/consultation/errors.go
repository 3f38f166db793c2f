package consultation

import "github.com/buergerbuero/buergerbuero/appliance/problem"

// Problems the consultation reports; the web layer maps kinds to HTTP status.
var (
	ErrRoomNotFound    = problem.New(problem.KindNotFound, "room_not_found")
	ErrFileNotFound    = problem.New(problem.KindNotFound, "file_not_found")
	ErrMessageNotFound = problem.New(problem.KindNotFound, "message_not_found")
	ErrInviteInvalid   = problem.New(problem.KindGone, "invite_invalid")
	ErrRoomClosed      = problem.New(problem.KindGone, "room_closed")
	ErrNotMember       = problem.New(problem.KindForbidden, "not_member")
	ErrNotParticipant  = problem.New(problem.KindForbidden, "not_participant")
	ErrJoinNotAllowed  = problem.New(problem.KindForbidden, "join_not_allowed")
	ErrForbiddenByRole = problem.New(problem.KindForbidden, "forbidden_by_role")
	ErrTooLarge        = problem.New(problem.KindTooLarge, "too_large")
	ErrFileDeleted     = problem.New(problem.KindGone, "document_deleted")
	ErrNotUploader     = problem.New(problem.KindForbidden, "document_not_yours")
)
