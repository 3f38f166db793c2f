package consultation

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/problem"
	"github.com/buergerbuero/buergerbuero/appliance/secret"
	"github.com/buergerbuero/buergerbuero/appliance/text"
)

// MaxInvitee is the longest name or e-mail an invite may name (runes).
const MaxInvitee = 120

// CreateInvite makes a single-use, time-limited link token for an
// interpreter (or another external role) into one consultation. who (a
// name or an e-mail address, optional) says whom it is for; the
// participants see it in the chat when the invite is made and when it is
// redeemed.
func (s *Service) CreateInvite(ctx context.Context, a Actor, roomID, role, lang, who string) (token string, expires time.Time, err error) {
	r, _, err := s.RoomForClerk(ctx, a, roomID)
	if err != nil {
		return "", time.Time{}, err
	}
	if !r.EndedAt.IsZero() {
		return "", time.Time{}, ErrRoomClosed
	}
	if !slices.Contains(ExternalRoles, role) {
		return "", time.Time{}, problem.Invalid("role", "role", map[string]any{"Allowed": ExternalRoles})
	}
	lang = strings.ToLower(strings.TrimSpace(lang))
	if len(lang) > 10 {
		return "", time.Time{}, problem.Invalid("language", "language", nil)
	}
	who = text.Clean(strings.ReplaceAll(who, "\n", " "))
	if err := text.CheckLen("name", who, 0, MaxInvitee); err != nil {
		return "", time.Time{}, err
	}
	token = secret.NewToken()
	expires = s.now().Add(s.set.InviteTTL)
	// role, language and name stay apart: each reader sees the role in
	// their own language (rendered at the edge)
	p := Participant{RoomID: roomID, Role: role, Identity: "p_" + secret.NewID(), Name: who, Language: lang, ExpiresAt: expires}
	notice := Notice{Key: NoticeInvited, Args: map[string]string{"By": a.Clerk.DisplayName, "Role": role, "Lang": lang, "Who": who}}
	if err = s.store.CreateParticipantToken(ctx, secret.Hash(token), "invite", p, participantAudit("invite", p)); err != nil {
		return "", time.Time{}, err
	}
	err = s.systemMessage(ctx, r, "invite:"+secret.NewID(), notice)
	return token, expires, err
}

// RedeemInvite turns a single-use invite into a participant session.
func (s *Service) RedeemInvite(ctx context.Context, invite string) (session string, p Participant, err error) {
	p, err = s.store.RedeemInvite(ctx, secret.Hash(invite), s.now())
	if err != nil {
		return "", p, err
	}
	r, err := s.store.Room(ctx, p.RoomID)
	if err != nil || !r.EndedAt.IsZero() {
		return "", Participant{}, ErrInviteInvalid
	}
	session = secret.NewToken()
	if err = s.store.CreateParticipantToken(ctx, secret.Hash(session), "session", p, participantAudit("session", p)); err != nil {
		return "", p, err
	}
	err = s.systemMessage(ctx, r, "joined:"+secret.NewID(), Notice{Key: NoticeJoined, Args: map[string]string{"Role": p.Role, "Lang": p.Language, "Who": p.Name}})
	return session, p, err
}
