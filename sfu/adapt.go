package sfu

import (
	"time"

	"github.com/pion/webrtc/v4"
)

// Simulcast adaptation: every speakerInterval the room compares each
// subscriber's receive estimate (REMB) with the measured bitrate of the
// publisher's layers and moves the subscriber's target layer, never above
// the layer the subscriber chose with "layer". Headroom factors give
// hysteresis: go down when a layer needs more than 90 % of the estimate,
// go up only when the next layer needs less than 75 %.
const (
	downHeadroom = 0.90
	upHeadroom   = 0.75
)

// chooseLayer returns the layer to forward given the current one, the
// subscriber's maximum, its estimate in bit/s (0 = unknown) and the layers'
// bitrates (0 = layer absent or silent).
func chooseLayer(cur, maxLayer int, estimate uint64, rates [maxLayers]uint64) int {
	if estimate == 0 {
		return maxLayer
	}
	est := float64(estimate)
	best := -1
	for l := 0; l <= maxLayer && l < maxLayers; l++ {
		if rates[l] == 0 {
			continue
		}
		limit := downHeadroom
		if l > cur {
			limit = upHeadroom
		}
		if best < 0 || float64(rates[l]) <= limit*est {
			best = l
		}
	}
	if best < 0 {
		return maxLayer
	}
	return best
}

// sampleBitrates turns the layers' byte counters into bit/s.
func (t *track) sampleBitrates(elapsed time.Duration) (rates [maxLayers]uint64) {
	if elapsed <= 0 {
		return rates
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for i, l := range t.layers {
		if l != nil {
			rates[i] = l.bytes.Swap(0) * 8 * uint64(time.Second) / uint64(elapsed)
		}
	}
	return rates
}

// adaptLayers moves every subscriber of a simulcast video track to the
// layer its estimate allows.
func (t *track) adaptLayers(elapsed time.Duration) {
	if t.kind != webrtc.RTPCodecTypeVideo {
		return
	}
	rates := t.sampleBitrates(elapsed)
	layers := 0
	for _, r := range rates {
		if r > 0 {
			layers++
		}
	}
	if layers < 2 {
		return
	}
	for _, d := range *t.down.Load() {
		cur := int(d.current.Load())
		want := chooseLayer(cur, int(d.maxLayer.Load()), d.estimate.Load(), rates)
		if want != int(d.target.Load()) {
			d.target.Store(int32(want))
			t.requestKeyframe(t.bestLayer(want))
		}
	}
}
