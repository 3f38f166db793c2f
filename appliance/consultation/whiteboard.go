package consultation

import (
	"context"

	"github.com/buergerbuero/buergerbuero/appliance/whiteboard"
)

// Every room has a whiteboard (package whiteboard keeps it and its rules).
// The consultation decides who may use it, exactly as for the chat: its
// members read it; they draw while the room is open and their role may
// chat; the clerk (any member of staff in the room) may clear it; each
// member undoes only their own drawings. The board is room content: it
// goes with the chat and files (Close, the retention purge).

// boardAuthor is how the board knows a member: by role and identity (the
// same across reconnects), never by name.
func boardAuthor(m Member) whiteboard.Author {
	return whiteboard.Author{Key: m.Role + ":" + m.Identity, CanClear: m.Role == RoleClerk}
}

// Whiteboard returns the room's whiteboard as member m sees it (their own
// drawings marked), for a late joiner or after a reconnect.
func (s *Service) Whiteboard(ctx context.Context, r Room, m Member) (whiteboard.Snapshot, error) {
	return s.board.Snapshot(ctx, r.ID, boardAuthor(m))
}

// Draw applies member m's operation to the room's whiteboard and wakes
// the room streams, which send it to the others. A re-sent operation
// returns the first with applied=false.
func (s *Service) Draw(ctx context.Context, r Room, m Member, op whiteboard.Op) (out whiteboard.Op, applied bool, err error) {
	if !r.EndedAt.IsZero() {
		return whiteboard.Op{}, false, ErrRoomClosed
	}
	if !m.Rights.Chat {
		return whiteboard.Op{}, false, ErrForbiddenByRole
	}
	out, applied, err = s.board.Apply(ctx, r.ID, boardAuthor(m), op)
	if err == nil && applied {
		s.wake()
	}
	if out.Item != nil {
		out.Item.Mine = true
	}
	return out, applied, err
}

// Point relays member m's laser pointer to the others in the room; it is
// not stored.
func (s *Service) Point(r Room, m Member, x, y float64) error {
	if !r.EndedAt.IsZero() {
		return ErrRoomClosed
	}
	if !m.Rights.Chat {
		return ErrForbiddenByRole
	}
	x, y, err := whiteboard.CheckPointer(x, y)
	if err != nil {
		return err
	}
	s.pointers.Publish(whiteboard.Pointer{Room: r.ID, From: boardAuthor(m).Key, X: x, Y: y})
	return nil
}

// WatchPointers returns, as stream messages, the laser pointers of the
// others in room; call stop when the stream ends.
func (s *Service) WatchPointers(roomID string, m Member) (pointers <-chan []byte, stop func()) {
	return s.pointers.Subscribe(roomID, boardAuthor(m).Key)
}

// WhiteboardOp returns the operation seq of the room's whiteboard as
// member m sees it, for the room stream (ok false: gone with the room's
// content).
func (s *Service) WhiteboardOp(ctx context.Context, roomID string, m Member, seq int64) (whiteboard.Op, bool, error) {
	return s.board.Op(ctx, roomID, boardAuthor(m), seq)
}
