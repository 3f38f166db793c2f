package sfu

import "sync"

// Moderation by a room's hosts (permanent rooms): a participant is
// disconnected at once (Kick), or their audio is no longer forwarded
// (Mute). A mute is kept per room and identity, so it also holds for the
// participant's next connection, until lifted (the appliance lifts its
// mutes when a permanent room is empty).
type moderation struct {
	mu    sync.Mutex
	muted map[string]map[string]bool // room → identity → muted
}

func (m *moderation) isMuted(room, identity string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.muted[room][identity]
}

// Kick disconnects every connection of identity from room.
func (s *SFU) Kick(room, identity string) {
	s.mu.Lock()
	var victims []*signalConn
	for c := range s.conns {
		if c.grant.Room == room && c.grant.Identity == identity {
			victims = append(victims, c)
		}
	}
	s.mu.Unlock()
	for _, c := range victims {
		c.shutdown()
	}
}

// Mute stops (muted) or resumes forwarding the audio identity publishes in
// room. The packets are dropped on arrival, before any subscriber sees
// them, so a client that ignores the mute is not heard.
func (s *SFU) Mute(room, identity string, muted bool) {
	s.mod.mu.Lock()
	if s.mod.muted == nil {
		s.mod.muted = map[string]map[string]bool{}
	}
	if muted {
		if s.mod.muted[room] == nil {
			s.mod.muted[room] = map[string]bool{}
		}
		s.mod.muted[room][identity] = true
	} else {
		delete(s.mod.muted[room], identity)
		if len(s.mod.muted[room]) == 0 {
			delete(s.mod.muted, room)
		}
	}
	s.mod.mu.Unlock()
	s.mu.Lock()
	r := s.rooms[room]
	s.mu.Unlock()
	if r == nil {
		return
	}
	for _, p := range r.snapshot(nil) {
		if p.grant.Identity == identity {
			p.muted.Store(muted)
		}
	}
}
