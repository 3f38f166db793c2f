package sfu

import "github.com/pion/webrtc/v4"

// onDataChannel relays a data channel the client opened on its publisher
// transport to everybody else in the room under the same label. Viewers'
// channels are accepted but their messages dropped: they may not publish.
func (p *peer) onDataChannel(dc *webrtc.DataChannel) {
	label := dc.Label()
	if !p.grant.Role.CanPublish() || label == apiChannelLabel {
		return
	}
	dc.OnOpen(func() { p.room.openData(label) })
	dc.OnMessage(func(msg webrtc.DataChannelMessage) {
		p.room.broadcastData(p, label, msg)
	})
}

// ensureData opens label on the subscriber transport if needed. Once SCTP
// runs (the api channel guarantees it), this needs no renegotiation.
func (p *peer) ensureData(label string) *webrtc.DataChannel {
	if p.sub == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	if dc := p.dcs[label]; dc != nil {
		return dc
	}
	dc, err := p.sub.CreateDataChannel(label, nil)
	if err != nil {
		p.log.Debug("data channel", "err", err)
		return nil
	}
	p.dcs[label] = dc
	return dc
}

// sendData delivers one message; messages for a channel that is not yet
// open are dropped, as on any unreliable fan-out.
func (p *peer) sendData(label string, msg webrtc.DataChannelMessage) {
	dc := p.ensureData(label)
	if dc == nil || dc.ReadyState() != webrtc.DataChannelStateOpen {
		return
	}
	if msg.IsString {
		_ = dc.SendText(string(msg.Data))
	} else {
		_ = dc.Send(msg.Data)
	}
}
