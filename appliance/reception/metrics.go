package reception

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the reception's Prometheus figures; labels carry offices and
// actions only, never anything about a citizen.
type Metrics struct {
	waiting       *prometheus.GaugeVec
	active        *prometheus.GaugeVec
	consultations *prometheus.CounterVec
	actions       *prometheus.CounterVec
	wait          *prometheus.HistogramVec
	estErr        prometheus.Histogram
	// NotificationFailures counts e-mail and SMS messages that could not be
	// delivered. Today nothing sends them; the booking reminders will.
	NotificationFailures *prometheus.CounterVec
}

// NewMetrics creates and registers the metrics (reg may be nil).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		waiting:       prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "buergerbuero_queue_waiting", Help: "Citizens waiting per office."}, []string{"office"}),
		active:        prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "buergerbuero_consultations_active", Help: "Consultations in progress (called or in the room) per office."}, []string{"office"}),
		consultations: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "buergerbuero_consultations_total", Help: "Consultations started (admissions) per office."}, []string{"office"}),
		actions:       prometheus.NewCounterVec(prometheus.CounterOpts{Name: "buergerbuero_ticket_actions_total", Help: "Ticket state changes per office and action (knock, admit, forward, decline, return, end, leave, abandon)."}, []string{"office", "action"}),
		wait: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "buergerbuero_wait_seconds", Help: "Time from knock to admission.",
			Buckets: []float64{30, 60, 120, 300, 600, 900, 1200, 1800, 2700, 3600, 5400, 7200}}, []string{"office"}),
		estErr: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "buergerbuero_estimate_error_seconds", Help: "Actual wait minus the estimate shown at the knock (positive: longer than promised).",
			Buckets: []float64{-1800, -900, -600, -300, -120, -60, 0, 60, 120, 300, 600, 900, 1800}}),
	}
	m.NotificationFailures = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "buergerbuero_notification_failures_total",
		Help: "Notifications (e-mail, SMS) that could not be delivered."}, []string{"channel"})
	m.NotificationFailures.WithLabelValues("email")
	m.NotificationFailures.WithLabelValues("sms")
	if reg != nil {
		reg.MustRegister(m.waiting, m.active, m.consultations, m.actions, m.wait, m.estErr, m.NotificationFailures)
	}
	return m
}

func (m *Metrics) action(office string, a Action) {
	m.actions.WithLabelValues(office, string(a)).Inc()
	if a == ActAdmit {
		m.consultations.WithLabelValues(office).Inc()
	}
}

func (m *Metrics) waited(office string, d, estimate time.Duration) {
	m.wait.WithLabelValues(office).Observe(d.Seconds())
	m.estErr.Observe((d - estimate).Seconds())
}

// refreshGauges recomputes the per-office gauges from the in-memory queue.
func (s *Service) refreshGauges() {
	s.officeMu.RLock()
	order := append([]string(nil), s.order...)
	s.officeMu.RUnlock()
	for _, o := range order {
		s.metrics.waiting.WithLabelValues(o).Set(float64(s.q.count(o)))
		s.metrics.active.WithLabelValues(o).Set(float64(s.q.busy(o)))
	}
}

// initLabels makes every office's counters visible from the start (at 0),
// so rates work before the first knock; called when offices are loaded.
func (m *Metrics) initLabels(offices []string) {
	for _, o := range offices {
		m.actions.WithLabelValues(o, string(ActKnock))
		m.consultations.WithLabelValues(o)
	}
}
