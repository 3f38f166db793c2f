package notify

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the outbox's figures. Labels carry channel and kind only,
// never a recipient.
type Metrics struct {
	pending prometheus.Gauge
	sent    *prometheus.CounterVec
	failed  *prometheus.CounterVec
	retries *prometheus.CounterVec
}

// NewMetrics registers the outbox metrics with reg (nil: unregistered).
// Every channel and kind starts at zero, so dashboards see the series
// before the first message.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		pending: prometheus.NewGauge(prometheus.GaugeOpts{Name: "buergerbuero_outbox_pending",
			Help: "Messages to citizens (e-mail, SMS) stored and not yet delivered or given up."}),
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "buergerbuero_outbox_sent_total",
			Help: "Messages to citizens delivered, by channel and kind."}, []string{"channel", "kind"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "buergerbuero_outbox_failed_total",
			Help: "Messages to citizens given up after their last attempt, by channel and kind."}, []string{"channel", "kind"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "buergerbuero_outbox_retries_total",
			Help: "Failed delivery attempts that will be retried, by channel."}, []string{"channel"}),
	}
	for _, ch := range []Channel{ChannelEmail, ChannelSMS} {
		m.retries.WithLabelValues(string(ch))
		for _, k := range []Kind{KindCode, KindConfirmation, KindReminder, KindCancellation, KindWaitlistOffer} {
			m.sent.WithLabelValues(string(ch), string(k))
			m.failed.WithLabelValues(string(ch), string(k))
		}
	}
	if reg != nil {
		reg.MustRegister(m.pending, m.sent, m.failed, m.retries)
	}
	return m
}

// Retries is the retry counter of a channel (tests, dashboards in code).
func (m *Metrics) Retries(channel string) prometheus.Counter {
	return m.retries.WithLabelValues(channel)
}

// Failed is the given-up counter of a channel and kind.
func (m *Metrics) Failed(channel, kind string) prometheus.Counter {
	return m.failed.WithLabelValues(channel, kind)
}

// Sent is the delivered counter of a channel and kind.
func (m *Metrics) Sent(channel, kind string) prometheus.Counter {
	return m.sent.WithLabelValues(channel, kind)
}
