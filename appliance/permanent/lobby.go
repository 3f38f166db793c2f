package permanent

import (
	"context"
	"crypto/subtle"
	"strings"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/consultation"
	"github.com/buergerbuero/buergerbuero/appliance/secret"
	"github.com/buergerbuero/buergerbuero/appliance/text"
)

// The lobby: an external knocks with a name and no account; a host inside
// admits them (or all); the admitted person's page collects its session
// once. Knocks live in memory and lapse after KnockTTL.

const (
	knockWaiting  = "waiting"
	knockAdmitted = "admitted"
)

type knock struct {
	id, name string
	hash     [32]byte
	at       time.Time
	state    string
	session  string    // set when admitted, handed out once
	admitted time.Time // when the session was made
}

// collectTTL is how long an admitted knock's page has to collect its
// session; a page closed in the meantime no longer holds a place.
const collectTTL = 2 * time.Minute

// KnockView is a knock as the hosts see it.
type KnockView struct {
	ID    string    `json:"id"`
	Name  string    `json:"name"`
	Since time.Time `json:"since"`
}

// KnockState is what the knocking person learns about their knock.
type KnockState struct {
	State   string `json:"state"`             // waiting or admitted
	Session string `json:"session,omitempty"` // once, when admitted
	RoomID  string `json:"room_id"`
}

func (lr *liveRoom) waiting(now time.Time) int {
	n := 0
	for _, k := range lr.lobby {
		if k.state == knockWaiting {
			n++
		}
	}
	return n
}

// Knock puts someone into a room's lobby; it returns the knock's ID and
// the secret with which their page follows it.
func (s *Service) Knock(ctx context.Context, roomID, name string) (id, token string, err error) {
	r, err := s.store.PermanentRoom(ctx, roomID)
	if err != nil {
		return "", "", err
	}
	name = text.Clean(strings.ReplaceAll(name, "\n", " "))
	if err := text.CheckLen("name", name, 1, MaxName); err != nil {
		return "", "", err
	}
	token = secret.NewToken()
	k := &knock{id: "k_" + secret.NewID(), name: name, hash: [32]byte(secret.Hash(token)), at: s.now(), state: knockWaiting}
	s.mu.Lock()
	defer s.mu.Unlock()
	lr := s.live[r.ID]
	if lr == nil {
		lr = newLiveRoom()
		s.live[r.ID] = lr
	}
	s.expireLocked(lr)
	if len(lr.lobby) >= MaxLobby {
		return "", "", ErrLobbyFull
	}
	lr.lobby = append(lr.lobby, k)
	s.notifyLocked()
	return k.id, token, nil
}

func (s *Service) expireLocked(lr *liveRoom) {
	now := s.now()
	keep := lr.lobby[:0]
	for _, k := range lr.lobby {
		lapsed := now.Sub(k.at) >= s.set.KnockTTL
		if !k.admitted.IsZero() {
			lapsed = now.Sub(k.admitted) >= collectTTL
		}
		if !lapsed {
			keep = append(keep, k)
		}
	}
	lr.lobby = keep
}

// findKnockLocked returns a knock proven by its token.
func (s *Service) findKnockLocked(roomID, id, token string) (*liveRoom, int, error) {
	lr := s.live[roomID]
	if lr == nil {
		return nil, -1, ErrKnockGone
	}
	s.expireLocked(lr)
	h := [32]byte(secret.Hash(token))
	for i, k := range lr.lobby {
		if k.id == id {
			if subtle.ConstantTimeCompare(h[:], k.hash[:]) != 1 {
				return nil, -1, errKnockInvalid
			}
			return lr, i, nil
		}
	}
	return nil, -1, ErrKnockGone
}

// Follow tells the knocking person the state of their knock; once
// admitted it hands out the session (once) and forgets the knock.
func (s *Service) Follow(roomID, id, token string) (KnockState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	lr, i, err := s.findKnockLocked(roomID, id, token)
	if err != nil {
		return KnockState{}, err
	}
	k := lr.lobby[i]
	st := KnockState{State: knockWaiting, RoomID: roomID}
	if k.state == knockAdmitted && k.session != "" {
		st.State = knockAdmitted
		st.Session = k.session
		lr.lobby = append(lr.lobby[:i], lr.lobby[i+1:]...)
		s.notifyLocked()
	}
	return st, nil
}

// Withdraw takes one's own knock back.
func (s *Service) Withdraw(roomID, id, token string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	lr, i, err := s.findKnockLocked(roomID, id, token)
	if err != nil {
		return err
	}
	lr.lobby = append(lr.lobby[:i], lr.lobby[i+1:]...)
	s.notifyLocked()
	return nil
}

// Admit lets the knock id in (all waiting knocks if id is ""): each gets a
// guest session of the consultation. Knocks that would make the room hold
// more than MaxPeople stay in the lobby, and ErrFull says so.
func (s *Service) Admit(ctx context.Context, a consultation.Actor, roomID, id string) (int, error) {
	s.mu.Lock()
	lr := s.live[roomID]
	if !s.hostLocked(lr, a) {
		s.mu.Unlock()
		return 0, ErrNotHost
	}
	s.expireLocked(lr)
	taken := len(lr.people)
	var want []*knock
	for _, k := range lr.lobby {
		switch {
		case k.state == knockAdmitted:
			taken++ // on their way in
		case id == "" || k.id == id:
			want = append(want, k)
		}
	}
	todo := want[:max(0, min(len(want), MaxPeople-taken))]
	for _, k := range todo {
		k.state = knockAdmitted // taken: a concurrent admit skips it
	}
	s.mu.Unlock()
	if id != "" && len(want) == 0 {
		return 0, ErrKnockGone
	}
	n := 0
	for _, k := range todo {
		sess, _, err := s.rooms.AdmitParticipant(ctx, roomID, consultation.RoleGuest, k.name, s.set.SessionTTL)
		if err != nil {
			s.mu.Lock()
			for _, k := range todo[n:] {
				k.state = knockWaiting
			}
			s.mu.Unlock()
			return n, err
		}
		s.mu.Lock()
		k.session, k.admitted = sess, s.now()
		s.notifyLocked()
		s.mu.Unlock()
		n++
	}
	if len(todo) < len(want) {
		return n, ErrFull
	}
	return n, nil
}
