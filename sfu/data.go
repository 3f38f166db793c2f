package sfu

import (
	"errors"
	"io"

	"github.com/pion/webrtc/v4"
)

// The SFU's data channels are detached (SettingEngine.DetachDataChannels):
// pion's own read loop holds a 64 KiB buffer per open channel, and every
// participant has at least two (the api channel, and the channel its
// client opens on the publisher transport) — ≈ 128 KiB of a viewer's
// memory for channels whose messages are mostly dropped. readData reads
// with a buffer that starts at dataBufStart and grows only for a larger
// message.
const (
	dataBufStart = 2 << 10
	dataBufMax   = 256 << 10 // pion's read loop gives up at its max message size (64 KiB) as well
)

// readData reads dc (open, detached) until it closes, handing each
// message to onMessage, or dropping it if onMessage is nil. Reading
// continues in either case, so that a client's messages never pile up in
// the SCTP association.
func readData(dc *webrtc.DataChannel, onMessage func(webrtc.DataChannelMessage)) {
	raw, err := dc.Detach()
	if err != nil {
		return
	}
	go func() {
		defer raw.Close()
		buf := make([]byte, dataBufStart)
		for {
			n, isString, err := raw.ReadDataChannel(buf)
			if errors.Is(err, io.ErrShortBuffer) && len(buf) < dataBufMax {
				buf = make([]byte, 2*len(buf)) // the message stays queued
				continue
			}
			if err != nil {
				return
			}
			if onMessage != nil {
				onMessage(webrtc.DataChannelMessage{IsString: isString, Data: append([]byte(nil), buf[:n]...)})
			}
		}
	}()
}

// onDataChannel relays a data channel the client opened on its publisher
// transport to everybody else in the room under the same label. Viewers'
// channels are accepted but their messages dropped: they may not publish.
func (p *peer) onDataChannel(dc *webrtc.DataChannel) {
	label := dc.Label()
	if !p.grant.Role.CanPublish() || label == apiChannelLabel {
		dc.OnOpen(func() { readData(dc, nil) })
		return
	}
	dc.OnOpen(func() {
		p.room.openData(label)
		readData(dc, func(msg webrtc.DataChannelMessage) { p.room.broadcastData(p, label, msg) })
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
	dc.OnOpen(func() { readData(dc, nil) })
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
