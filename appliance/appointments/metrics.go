package appointments

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the appointment book's Prometheus figures, per office only.
type Metrics struct {
	arrivals *prometheus.CounterVec
	noShows  *prometheus.CounterVec
}

// NewMetrics creates and registers the metrics (reg may be nil).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		arrivals: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "buergerbuero_appointment_arrivals_total",
			Help: "Booked appointments whose citizen opened the join link in its window, per office."}, []string{"office"}),
		noShows: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "buergerbuero_appointment_no_shows_total",
			Help: "Booked appointments whose join window passed without arrival, per office."}, []string{"office"}),
	}
	if reg != nil {
		reg.MustRegister(m.arrivals, m.noShows)
	}
	return m
}

// SetMetrics replaces the book's metrics and shows every office's
// counters at 0 from the start.
func (s *Book) SetMetrics(m *Metrics) {
	s.mu.Lock()
	for id := range s.offices {
		m.arrivals.WithLabelValues(id)
		m.noShows.WithLabelValues(id)
	}
	s.mu.Unlock()
	s.metrics = m
}

func (m *Metrics) arrived(office string) { m.arrivals.WithLabelValues(office).Inc() }
func (m *Metrics) noShow(office string)  { m.noShows.WithLabelValues(office).Inc() }
