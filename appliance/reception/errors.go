package reception

import "github.com/buergerbuero/buergerbuero/appliance/problem"

// Problems the reception reports; the web layer maps kinds to HTTP status.
var (
	ErrTicketNotFound  = problem.New(problem.KindNotFound, "ticket_not_found", "Dieser Vorgang wurde nicht gefunden.", "This ticket was not found.")
	ErrOfficeNotFound  = problem.New(problem.KindNotFound, "office_not_found", "Dieses Amt gibt es nicht.", "There is no such office.")
	ErrRoomNotFound    = problem.New(problem.KindNotFound, "room_not_found", "Dieser Beratungsraum wurde nicht gefunden.", "This consultation room was not found.")
	ErrFileNotFound    = problem.New(problem.KindNotFound, "file_not_found", "Diese Datei wurde nicht gefunden.", "This file was not found.")
	ErrBadToken        = problem.New(problem.KindUnauthorized, "bad_token", "Ihr Zugang zu diesem Vorgang ist ungültig. Bitte melden Sie sich erneut an der Anmeldung.", "Your access to this ticket is not valid. Please knock again.")
	ErrInviteInvalid   = problem.New(problem.KindGone, "invite_invalid", "Dieser Einladungslink ist abgelaufen oder wurde bereits benutzt.", "This invitation link has expired or was already used.")
	ErrQueueFull       = problem.New(problem.KindFull, "queue_full", "Der Warteraum dieses Amtes ist voll. Bitte buchen Sie einen Termin oder versuchen Sie es später.", "This office's waiting room is full. Please book an appointment or try again later.")
	ErrClosed          = problem.New(problem.KindClosed, "office_closed", "Dieses Amt ist gerade geschlossen.", "This office is closed right now.")
	ErrClosingSoon     = problem.New(problem.KindClosed, "closing_soon", "Die Wartezeit würde über die Öffnungszeit hinausgehen. Heute werden keine weiteren Anliegen angenommen; bitte buchen Sie einen Termin.", "The wait would run past closing time. No more visitors are accepted today; please book an appointment.")
	ErrRateLimited     = problem.New(problem.KindRateLimited, "rate_limited", "Zu viele Anmeldungen von Ihrem Anschluss. Bitte warten Sie einige Minuten.", "Too many knocks from your connection. Please wait a few minutes.")
	ErrNotMember       = problem.New(problem.KindForbidden, "not_member", "Sie gehören diesem Amt nicht an.", "You are not a member of this office.")
	ErrReserved        = problem.New(problem.KindConflict, "reserved", "Dieser Vorgang wurde an eine Kollegin oder einen Kollegen persönlich weitergeleitet.", "This ticket was forwarded to a named colleague.")
	ErrBusy            = problem.New(problem.KindConflict, "clerk_busy", "Sie haben bereits eine laufende Beratung. Bitte beenden Sie diese zuerst.", "You already have a consultation in progress. Please end it first.")
	ErrRoomClosed      = problem.New(problem.KindGone, "room_closed", "Diese Beratung ist beendet.", "This consultation has ended.")
	ErrMessageNotFound = problem.New(problem.KindNotFound, "message_not_found", "Diese Nachricht wurde nicht gefunden.", "This message was not found.")
	ErrNotParticipant  = problem.New(problem.KindForbidden, "not_participant", "Sie nehmen an dieser Beratung nicht teil. Die Beratung ist vertraulich.", "You are not a participant of this consultation. The consultation is confidential.")
	ErrJoinNotAllowed  = problem.New(problem.KindForbidden, "join_not_allowed", "Nur die Amtsleitung oder die Administration kann einer laufenden Beratung beitreten; Kolleg·innen werden von den Teilnehmenden hinzugefügt.", "Only an office lead or an administrator may join a running consultation; colleagues are added by the participants.")
	ErrTooLarge        = problem.New(problem.KindTooLarge, "too_large", "Die Datei ist zu groß.", "The file is too large.")
)
