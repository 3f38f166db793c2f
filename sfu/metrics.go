package sfu

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are aggregated over the whole SFU: no room, peer or citizen
// labels, so nothing personal ends up in the time series.
type metrics struct {
	rooms, peers, tracks          prometheus.Gauge
	bytesIn, bytesOut             prometheus.Counter
	packetsIn, packetsOut         prometheus.Counter
	packetsLost                   prometheus.Counter
	nacksReceived, nackRetransmit prometheus.Counter
	nackMissed                    prometheus.Counter
	plisSent                      prometheus.Counter
	rtt                           prometheus.Histogram
	subscriberLoss                prometheus.Histogram
	signalErrors                  prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	const ns, sub = "buergerbuero", "sfu"
	g := func(name, help string) prometheus.Gauge {
		return prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Subsystem: sub, Name: name, Help: help})
	}
	c := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: name, Help: help})
	}
	m := &metrics{
		rooms:          g("rooms", "Rooms with at least one participant."),
		peers:          g("peers", "Connected participants."),
		tracks:         g("tracks", "Published tracks (simulcast layers count once)."),
		bytesIn:        c("received_bytes_total", "RTP bytes received from publishers; rate() gives the inbound bitrate."),
		bytesOut:       c("sent_bytes_total", "RTP bytes forwarded to subscribers; rate() gives the outbound bitrate."),
		packetsIn:      c("received_packets_total", "RTP packets received from publishers."),
		packetsOut:     c("sent_packets_total", "RTP packets forwarded to subscribers."),
		packetsLost:    c("received_packets_lost_total", "Gaps in publishers' RTP sequence numbers."),
		nacksReceived:  c("nacks_received_total", "Sequence numbers NACKed by subscribers."),
		nackRetransmit: c("nack_retransmits_total", "NACKed packets answered from the packet buffer."),
		nackMissed:     c("nack_misses_total", "NACKed packets no longer in the buffer."),
		plisSent:       c("plis_sent_total", "Keyframe requests (PLI) sent to publishers after throttling."),
		rtt: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: ns, Subsystem: sub, Name: "rtt_seconds",
			Help: "Round-trip time to subscribers from RTCP receiver reports.", Buckets: []float64{.005, .01, .025, .05, .1, .2, .4, .8, 1.6}}),
		subscriberLoss: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: ns, Subsystem: sub, Name: "subscriber_loss_ratio",
			Help: "Fraction lost reported by subscribers in RTCP receiver reports.", Buckets: []float64{0, .01, .02, .05, .1, .2, .5}}),
		signalErrors: c("signalling_errors_total", "Signalling messages answered with a JSON-RPC error."),
	}
	if reg == nil {
		return m, nil
	}
	for _, col := range []prometheus.Collector{m.rooms, m.peers, m.tracks, m.bytesIn, m.bytesOut, m.packetsIn, m.packetsOut,
		m.packetsLost, m.nacksReceived, m.nackRetransmit, m.nackMissed, m.plisSent, m.rtt, m.subscriberLoss, m.signalErrors} {
		if err := reg.Register(col); err != nil {
			var are prometheus.AlreadyRegisteredError
			if !errors.As(err, &are) {
				return nil, err
			}
		}
	}
	return m, nil
}
