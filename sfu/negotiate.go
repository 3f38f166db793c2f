package sfu

import "github.com/pion/webrtc/v4"

// requestNegotiation asks the negotiation loop for a new subscriber
// offer. Requests coalesce: many tracks added at once cost one offer.
func (p *peer) requestNegotiation(iceRestart bool) {
	if p.sub == nil {
		return
	}
	if iceRestart {
		p.mu.Lock()
		p.restartICE = true
		p.mu.Unlock()
	}
	select {
	case p.negotiate <- struct{}{}:
	default:
	}
}

// negotiationLoop owns the subscriber offers. It waits on a channel, so it
// costs nothing while idle, and ends when the peer closes.
func (p *peer) negotiationLoop() {
	defer p.wg.Done()
	for {
		select {
		case <-p.done:
			return
		case <-p.negotiate:
		}
		p.offerSubscriber()
	}
}

func (p *peer) offerSubscriber() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	if p.sub.SignalingState() != webrtc.SignalingStateStable {
		p.negPending = true // the answer handler asks again
		p.mu.Unlock()
		return
	}
	restart := p.restartICE
	p.restartICE = false
	p.mu.Unlock()
	offer, err := p.sub.CreateOffer(&webrtc.OfferOptions{ICERestart: restart})
	if err != nil {
		p.log.Warn("subscriber offer failed", "err", err)
		return
	}
	p.holdCandidates(targetSubscriber)
	defer p.releaseCandidates(targetSubscriber)
	if err := p.sub.SetLocalDescription(offer); err != nil {
		p.log.Warn("subscriber offer failed", "err", err)
		return
	}
	p.log.Debug("subscriber offer", "restart", restart)
	p.notify("offer", p.sub.LocalDescription())
}

// answerSubscriber applies the client's answer to our subscriber offer.
func (p *peer) answerSubscriber(ans webrtc.SessionDescription) error {
	if p.sub == nil {
		return errNoSubscriber
	}
	if err := p.sub.SetRemoteDescription(ans); err != nil {
		return err
	}
	p.flushCandidates(targetSubscriber)
	p.mu.Lock()
	again := p.negPending
	p.negPending = false
	p.mu.Unlock()
	p.log.Debug("subscriber answer", "again", again)
	if again {
		p.requestNegotiation(false)
	}
	return nil
}
