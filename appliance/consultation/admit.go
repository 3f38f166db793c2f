package consultation

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/secret"
	"github.com/buergerbuero/buergerbuero/appliance/text"
)

// Rooms that stay (permanent rooms) let externals in from a lobby rather
// than by invite, remove them again, and are emptied when the last person
// left instead of being closed.

// AdmitParticipant lets an external into a room, admitted by a host from a
// lobby: it returns a fresh session bound to the room, valid for ttl and
// handed to that one person. The identity is the name they gave with a
// short code, so two people of the same name stay apart for the hosts.
func (s *Service) AdmitParticipant(ctx context.Context, roomID, role, name string, ttl time.Duration) (session string, p Participant, err error) {
	r, err := s.store.Room(ctx, roomID)
	if err != nil {
		return "", p, err
	}
	if !r.EndedAt.IsZero() {
		return "", p, ErrRoomClosed
	}
	name = text.Clean(strings.ReplaceAll(name, "\n", " "))
	if err := text.CheckLen("name", name, 1, MaxInvitee); err != nil {
		return "", p, err
	}
	ident := name + " · " + strings.ToUpper(secret.NewID()[:3])
	p = Participant{RoomID: roomID, Role: role, Identity: ident, Name: ident, ExpiresAt: s.now().Add(ttl)}
	session = secret.NewToken()
	if err := s.store.CreateParticipantToken(ctx, secret.Hash(session), "session", p, participantAudit("session", p)); err != nil {
		return "", Participant{}, err
	}
	err = s.systemMessage(ctx, r, "joined:"+secret.NewID(), Notice{Key: NoticeJoined, Args: map[string]string{"Who": p.Identity}})
	return session, p, err
}

// RemoveParticipant ends an external's access to a room at once: every
// session of that identity there is void, so their next request is
// refused.
func (s *Service) RemoveParticipant(ctx context.Context, roomID, identity string) error {
	return s.store.EndParticipant(ctx, roomID, identity)
}

// Purge empties a room that stays after the last person left: invites and
// external sessions are void; the chat and the whiteboard are deleted,
// and the files too unless keepDocuments (then only the documents and the
// messages that carry them stay).
func (s *Service) Purge(ctx context.Context, roomID string, keepDocuments bool) error {
	err := s.store.EndRoomAccess(ctx, roomID)
	if keepDocuments {
		err = errors.Join(err, s.store.DeleteRoomChat(ctx, roomID))
	} else {
		err = errors.Join(err, s.store.DeleteRoomContent(ctx, roomID))
	}
	if err == nil {
		s.wake()
	}
	return err
}
