package sfu

import "github.com/pion/webrtc/v4"

// The stage: a receive-only participant (a viewer of an event) whom the
// appliance brings on stage may publish audio, and video if allowed,
// on the connection it already has — it renegotiates its publisher
// transport with a sending offer, which is now answered. Sent back, it
// loses that right at once: its published tracks are stopped and removed
// for everybody, and any further sending offer is refused (code -32001)
// as before. The permission is kept per room and identity, so it also
// holds for a reconnect of the same viewer, until SetStage revokes it,
// CloseRoom ends the room or the room empties (the appliance sets it again
// when it admits the viewer anew).

// Stage is what a participant on stage may publish.
type Stage struct {
	Audio bool `json:"audio"`
	Video bool `json:"video"`
}

// stageParams is the "stage" notification sent to the participant.
type stageParams = Stage

// SetStage gives identity in room the right to publish audio and/or
// video beyond its role, or (both false) takes it back. Connected
// participants of that identity are told with the notification "stage";
// tracks they may no longer publish are removed for all.
func (s *SFU) SetStage(room, identity string, st Stage) {
	s.mu.Lock()
	if s.stage == nil {
		s.stage = map[string]map[string]Stage{}
	}
	if st.Audio || st.Video {
		if s.stage[room] == nil {
			s.stage[room] = map[string]Stage{}
		}
		s.stage[room][identity] = st
	} else if m := s.stage[room]; m != nil {
		delete(m, identity)
		if len(m) == 0 {
			delete(s.stage, room)
		}
	}
	r := s.rooms[room]
	s.mu.Unlock()
	if r == nil {
		return
	}
	for _, p := range r.snapshot(nil) {
		if p.grant.Identity != identity {
			continue
		}
		p.revokeDisallowed()
		p.notify("stage", stageParams(st))
	}
}

// clearStage forgets the stage of a room (it ended).
func (s *SFU) clearStage(room string) {
	s.mu.Lock()
	delete(s.stage, room)
	s.mu.Unlock()
}

// mayPublish reports whether g may send media of kind now.
func (s *SFU) mayPublish(g Grant, kind webrtc.RTPCodecType) bool {
	if g.Role.CanPublish() {
		return true
	}
	s.mu.Lock()
	st := s.stage[g.Room][g.Identity]
	s.mu.Unlock()
	switch kind {
	case webrtc.RTPCodecTypeAudio:
		return st.Audio
	case webrtc.RTPCodecTypeVideo:
		return st.Video
	}
	return false
}

// sdpKind maps an m-section's media to a codec type.
func sdpKind(media string) webrtc.RTPCodecType {
	switch media {
	case "audio":
		return webrtc.RTPCodecTypeAudio
	case "video":
		return webrtc.RTPCodecTypeVideo
	}
	return 0
}

// allowedKinds is the publishing check of offers for this peer.
func (p *peer) allowedKinds() func(webrtc.RTPCodecType) bool {
	if p.cfg.NoPublish {
		return func(webrtc.RTPCodecType) bool { return false }
	}
	return func(k webrtc.RTPCodecType) bool { return p.s.mayPublish(p.grant, k) }
}

// revokeDisallowed stops and removes the tracks p may no longer publish.
func (p *peer) revokeDisallowed() {
	p.mu.Lock()
	var gone []*track
	for _, t := range p.tracks {
		if !p.s.mayPublish(p.grant, t.kind) {
			gone = append(gone, t)
		}
	}
	p.mu.Unlock()
	if len(gone) == 0 {
		return
	}
	for _, tr := range p.pub.GetTransceivers() {
		rcv := tr.Receiver()
		if rcv == nil || rcv.Track() == nil {
			continue
		}
		for _, t := range gone {
			if rcv.Track().ID() == t.id {
				_ = rcv.Stop() // ends the track's read loops
			}
		}
	}
	for _, t := range gone {
		p.trackEnded(t)
	}
}
