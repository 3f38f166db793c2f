package consultation

import (
	"context"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/audit"
	"github.com/buergerbuero/buergerbuero/appliance/whiteboard"
)

// Store is what the consultation needs persisted. All methods are safe for
// concurrent use. Rooms themselves are inserted and ended in the owner's
// transaction (the reception's Outcome: OpenRoom, EndRoom), not through
// this interface; the store writes what it is given and decides nothing.
type Store interface {
	// Room loads a room with its staff members; ErrRoomNotFound if none.
	Room(ctx context.Context, id string) (Room, error)
	// AddRoomMember adds a member of staff and writes entry (memberAudit)
	// in one transaction; adding somebody twice is a no-op (first kind
	// wins), the entry is written each time.
	AddRoomMember(ctx context.Context, r Room, login, kind, addedBy string, at time.Time, entry audit.Entry) error
	// AddMessage stores a message, its file (if any) and its stream event
	// (body: MessageEvent) in one transaction and assigns Seq (increasing
	// per store). A message
	// whose ClientID the same AuthorRole already used in the room is not
	// stored again: the first one is returned with dup=true.
	AddMessage(ctx context.Context, m Message, f *File) (stored Message, dup bool, err error)
	// Message loads one message; ErrMessageNotFound if none (or deleted).
	Message(ctx context.Context, room string, seq int64) (Message, error)
	// Messages returns a room's messages with Seq > after, in Seq order.
	Messages(ctx context.Context, room string, after int64) ([]Message, error)
	// File loads a file of a room; ErrFileNotFound if none. A deleted
	// file comes without data and with Deleted set.
	File(ctx context.Context, room, id string) (File, error)
	// Files lists a room's files without data, in upload order.
	Files(ctx context.Context, room string) ([]File, error)
	// DeleteFile drops a file's data, marks it deleted and stores notice
	// (a system message) in one transaction; ErrFileDeleted if it was
	// deleted before, ErrFileNotFound if there is no such file.
	DeleteFile(ctx context.Context, room, id string, at time.Time, notice Message) (Message, error)
	// CreateParticipantToken stores a hashed token of kind "invite" or
	// "session" for p (role, pseudonym, name, language) and writes entry
	// (participantAudit) in one transaction.
	CreateParticipantToken(ctx context.Context, hash []byte, kind string, p Participant, entry audit.Entry) error
	// RedeemInvite marks an invite used and returns it, atomically: of two
	// concurrent redemptions exactly one succeeds; used, expired or unknown
	// invites give ErrInviteInvalid.
	RedeemInvite(ctx context.Context, hash []byte, now time.Time) (Participant, error)
	// ParticipantSession resolves a session token; ErrInviteInvalid if
	// unknown or expired.
	ParticipantSession(ctx context.Context, hash []byte, now time.Time) (Participant, error)
	// EndRoomAccess deletes a room's invites and sessions; idempotent.
	EndRoomAccess(ctx context.Context, roomID string) error
	// DeleteRoomContent deletes a room's messages, files and whiteboard in
	// one transaction; idempotent.
	DeleteRoomContent(ctx context.Context, roomID string) error
	// the rooms' whiteboards; each operation also appends its stream event
	whiteboard.Store
	// EndParticipant deletes the sessions and invites of one external
	// identity in a room; idempotent.
	EndParticipant(ctx context.Context, roomID, identity string) error
	// DeleteRoomChat deletes a room's messages that carry no file and its
	// whiteboard in one transaction (the documents stay); idempotent.
	DeleteRoomChat(ctx context.Context, roomID string) error
}

// memberAudit is the audit entry of a member of staff added to a room:
// who added whom, how.
func memberAudit(r Room, login, kind, addedBy string, at time.Time) audit.Entry {
	return audit.Entry{At: at, Actor: addedBy, Action: "room_" + kind, TicketID: r.TicketID, OfficeID: r.OfficeID, Detail: "room " + r.ID + " member " + login}
}

// participantAudit is the audit entry of an external participant's token.
// The identity may name a person: the audit log keeps the role only.
func participantAudit(kind string, p Participant) audit.Entry {
	return audit.Entry{Actor: p.Role, Action: "participant_" + kind, Detail: "room " + p.RoomID + " role " + p.Role}
}
