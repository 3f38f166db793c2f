package permanent

import (
	"context"
	"log/slog"
	"sort"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/consultation"
)

// liveRoom is who is in a room now and who knocks at it.
type liveRoom struct {
	people map[string]*person // by identity
	lobby  []*knock
	// muted holds the hosts' mutes by identity, also across a muted
	// person's reload, until the room is empty
	muted map[string]bool
}

// person is one identity in a room; a person may have several
// connections (tabs, a reconnect overlapping the old connection).
type person struct {
	member  consultation.Member
	since   time.Time
	conns   map[*Presence]struct{}
	removed bool
}

func newLiveRoom() *liveRoom {
	return &liveRoom{people: map[string]*person{}, muted: map[string]bool{}}
}

func (lr *liveRoom) empty() bool { return len(lr.people) == 0 && len(lr.lobby) == 0 }

// Presence is one connection of a person in a room. Done is closed when
// the person was removed by a host; Leave ends the connection's presence.
type Presence struct {
	s      *Service
	room   Room
	ident  string
	done   chan struct{}
	closed bool
}

// Done is closed when a host removed the person.
func (p *Presence) Done() <-chan struct{} { return p.done }

// Enter registers a connection of member in a room. The 13th person is
// refused with ErrFull; another connection of someone inside is not.
func (s *Service) Enter(ctx context.Context, roomID string, m consultation.Member) (*Presence, error) {
	r, err := s.store.PermanentRoom(ctx, roomID)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	lr := s.live[r.ID]
	if lr == nil {
		lr = newLiveRoom()
		s.live[r.ID] = lr
	}
	pe := lr.people[m.Identity]
	if pe == nil {
		if len(lr.people) >= MaxPeople {
			return nil, ErrFull
		}
		pe = &person{member: m, since: s.now(), conns: map[*Presence]struct{}{}}
		lr.people[m.Identity] = pe
	}
	if pp := s.purges[r.ID]; pp != nil {
		pp.t.Stop() // back within the grace: nothing is emptied
		delete(s.purges, r.ID)
	}
	p := &Presence{s: s, room: r, ident: m.Identity, done: make(chan struct{})}
	pe.conns[p] = struct{}{}
	s.notifyLocked()
	return p, nil
}

// Full reports whether someone not yet inside would be refused.
func (s *Service) Full(roomID, identity string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	lr := s.live[roomID]
	if lr == nil {
		return false
	}
	_, inside := lr.people[identity]
	return !inside && len(lr.people) >= MaxPeople
}

// Leave ends this connection's presence. When the last person has left
// and nobody came back within EmptyGrace, the room is emptied (chat, files
// unless kept, external sessions, the hosts' mutes).
func (p *Presence) Leave() {
	s := p.s
	s.mu.Lock()
	defer s.mu.Unlock()
	lr := s.live[p.room.ID]
	if lr == nil || p.closed {
		return
	}
	p.closed = true
	if pe := lr.people[p.ident]; pe != nil {
		delete(pe.conns, p)
		if len(pe.conns) == 0 {
			delete(lr.people, p.ident)
		}
	}
	s.notifyLocked()
	if len(lr.people) > 0 {
		return
	}
	if old := s.purges[p.room.ID]; old != nil {
		old.t.Stop()
	}
	pp := &pendingPurge{room: p.room}
	s.purges[p.room.ID] = pp
	if s.set.EmptyGrace < 0 {
		s.mu.Unlock()
		s.purgeIfEmpty(p.room, pp)
		s.mu.Lock()
		return
	}
	pp.t = time.AfterFunc(s.set.EmptyGrace, func() { s.purgeIfEmpty(p.room, pp) })
}

// pendingPurge is a room waiting out EmptyGrace.
type pendingPurge struct {
	room Room
	t    *time.Timer
}

// purgeIfEmpty empties r if it is still empty and pp still pending.
func (s *Service) purgeIfEmpty(r Room, pp *pendingPurge) {
	s.mu.Lock()
	lr := s.live[r.ID]
	if s.purges[r.ID] != pp || (lr != nil && len(lr.people) > 0) {
		s.mu.Unlock()
		return
	}
	delete(s.purges, r.ID)
	s.purging.Add(1) // claimed: Close waits for it
	defer s.purging.Done()
	var unmute []string
	if lr != nil {
		for ident := range lr.muted {
			unmute = append(unmute, ident)
		}
		clear(lr.muted)
		if lr.empty() {
			delete(s.live, r.ID)
		}
	}
	s.mu.Unlock()
	if s.mod != nil {
		for _, ident := range unmute {
			s.mod.Mute(r.ID, ident, false)
		}
	}
	if err := s.rooms.Purge(context.Background(), r.ID, r.KeepDocuments); err != nil {
		slog.Error("permanent room: purge after the last left", "room", r.ID, "err", err)
	}
}

// host checks that a is a member of staff inside the room.
func (s *Service) hostLocked(lr *liveRoom, a consultation.Actor) bool {
	if lr == nil || a.Clerk.Login == "" {
		return false
	}
	pe := lr.people[a.Clerk.Login]
	return pe != nil && pe.member.Role == consultation.RoleClerk
}

// Remove ends an external's presence and access at once: their sessions
// are void, their connections told (Done), their media disconnected.
func (s *Service) Remove(ctx context.Context, a consultation.Actor, roomID, identity string) error {
	s.mu.Lock()
	lr := s.live[roomID]
	if !s.hostLocked(lr, a) {
		s.mu.Unlock()
		return ErrNotHost
	}
	pe := lr.people[identity]
	if pe != nil && pe.member.Role == consultation.RoleClerk {
		s.mu.Unlock()
		return ErrRemoveStaff
	}
	s.mu.Unlock()
	// access first: from here on every request of theirs is refused
	if err := s.rooms.RemoveParticipant(ctx, roomID, identity); err != nil {
		return err
	}
	s.mu.Lock()
	var conns []*Presence
	if pe != nil {
		pe.removed = true
		for c := range pe.conns {
			conns = append(conns, c)
		}
	}
	s.notifyLocked()
	s.mu.Unlock()
	for _, c := range conns {
		close(c.done)
	}
	if s.mod != nil {
		s.mod.Kick(roomID, identity)
	}
	return s.audit(ctx, roomID, a, "permanent_room_remove")
}

func (s *Service) audit(ctx context.Context, roomID string, a consultation.Actor, action string) error {
	r, err := s.store.PermanentRoom(ctx, roomID)
	if err != nil {
		return err
	}
	return s.store.Record(ctx, hostAudit(r, a.AuditName(), action, s.now()))
}

// Mute stops (muted) or allows the audio of someone in the room; the SFU
// enforces it, and the person is told through the room's state.
func (s *Service) Mute(ctx context.Context, a consultation.Actor, roomID, identity string, muted bool) error {
	s.mu.Lock()
	lr := s.live[roomID]
	if !s.hostLocked(lr, a) {
		s.mu.Unlock()
		return ErrNotHost
	}
	if pe := lr.people[identity]; pe == nil || pe.removed {
		s.mu.Unlock()
		return ErrNotInRoom
	}
	if muted {
		lr.muted[identity] = true
	} else {
		delete(lr.muted, identity)
	}
	s.notifyLocked()
	s.mu.Unlock()
	if s.mod != nil {
		s.mod.Mute(roomID, identity, muted)
	}
	action := "permanent_room_mute"
	if !muted {
		action = "permanent_room_unmute"
	}
	return s.audit(ctx, roomID, a, action)
}

// Person is someone in a room as the others see them.
type Person struct {
	Identity string `json:"identity"`
	Name     string `json:"name"`
	Role     string `json:"role"`
	Staff    bool   `json:"staff"`
	Muted    bool   `json:"muted"`
}

// State is a room's live state for someone inside: who is there, whether
// they are muted themselves, and for hosts the lobby.
type State struct {
	Status
	People []Person    `json:"people"`
	Lobby  []KnockView `json:"lobby,omitempty"`
	Host   bool        `json:"host"`
	Muted  bool        `json:"muted"`
}

// StateFor returns the room's state as member sees it.
func (s *Service) StateFor(r Room, m consultation.Member) State {
	st := State{Status: s.status(r), People: []Person{}}
	s.mu.Lock()
	defer s.mu.Unlock()
	lr := s.live[r.ID]
	if lr == nil {
		return st
	}
	now := s.now()
	for _, pe := range lr.people {
		if pe.removed {
			continue // on the way out
		}
		st.People = append(st.People, Person{Identity: pe.member.Identity, Name: pe.member.Name, Role: pe.member.Role, Staff: pe.member.Role == consultation.RoleClerk, Muted: lr.muted[pe.member.Identity]})
	}
	sort.Slice(st.People, func(i, j int) bool { return st.People[i].Name < st.People[j].Name })
	if me := lr.people[m.Identity]; me != nil {
		st.Muted = lr.muted[m.Identity]
		st.Host = me.member.Role == consultation.RoleClerk && !me.removed
	}
	if st.Host {
		for _, k := range lr.lobby {
			if k.state == knockWaiting && now.Sub(k.at) < s.set.KnockTTL {
				st.Lobby = append(st.Lobby, KnockView{ID: k.id, Name: k.name, Since: k.at})
			}
		}
	} else {
		st.Waiting = 0
	}
	return st
}

// Close empties now every room whose grace is still running, so that a
// shutdown within the grace does not leave the content of an empty room
// behind, and waits for emptyings already under way. Call it before the
// store is closed.
func (s *Service) Close() {
	s.mu.Lock()
	pending := make([]*pendingPurge, 0, len(s.purges))
	for _, pp := range s.purges {
		if pp.t != nil {
			pp.t.Stop()
		}
		pending = append(pending, pp)
	}
	s.mu.Unlock()
	for _, pp := range pending {
		s.purgeIfEmpty(pp.room, pp)
	}
	s.purging.Wait()
}
