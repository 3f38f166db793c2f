package stats

import (
	"context"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// The persisted figures of today and yesterday per office, as gauges
// read from the database at each scrape: unlike the reception's
// counters they survive a restart, and two days per office keep the
// label set bounded (Grafana plots their history from Prometheus; the
// statistics page covers any range). Cells with fewer than K cases are
// left out, as on the page.
var (
	dailyDesc = prometheus.NewDesc("buergerbuero_daily_figure",
		"Persisted usage figure of today or yesterday (site time zone) per office; a visit counts on its knock day; cells with 1-4 cases are left out (k-anonymity).",
		[]string{"office", "figure", "day"}, nil)
	dailyWaitDesc = prometheus.NewDesc("buergerbuero_daily_wait_seconds",
		"Wait from knock to admission of today's or yesterday's visits per office, p50 and p90 from the persisted histogram (only with at least 5 cases).",
		[]string{"office", "quantile", "day"}, nil)
	dailyHandlingDesc = prometheus.NewDesc("buergerbuero_daily_consultation_seconds",
		"Consultation duration of today's or yesterday's visits per office, p50 and p90 from the persisted histogram (only with at least 5 cases).",
		[]string{"office", "quantile", "day"}, nil)
)

// gaugeColumns are the count columns exported as figures.
var gaugeColumns = []Column{ColKnocks, ColAdmitted, ColDeclined, ColAbandoned, ColForwarded, ColConsultations, ColBooked, ColKept, ColNoShows}

// Collector exports the persisted figures; offices lists the office ids
// (it is asked at each scrape, so new offices appear).
type Collector struct {
	// Now is the clock that says which day is today (tests).
	Now     func() time.Time
	src     Source
	offices func() []string
	loc     *time.Location
}

// NewCollector returns the collector of src's figures.
func NewCollector(src Source, offices func() []string, loc *time.Location) *Collector {
	return &Collector{src: src, offices: offices, loc: loc, Now: time.Now}
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- dailyDesc
	ch <- dailyWaitDesc
	ch <- dailyHandlingDesc
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	today, offices := c.Now().In(c.loc), c.offices()
	for _, d := range []struct {
		label string
		at    time.Time
	}{{"today", today}, {"yesterday", today.AddDate(0, 0, -1)}} {
		rep, err := Build(ctx, c.src, Query{From: d.at, To: d.at, Offices: offices, Loc: c.loc})
		if err != nil {
			ch <- prometheus.NewInvalidMetric(dailyDesc, err)
			return
		}
		seen := map[string]bool{}
		for _, row := range rep.Offices {
			office := row[0].Text
			if office == "" {
				continue // the total is the sum in PromQL
			}
			seen[office] = true
			for _, col := range gaugeColumns {
				if n, ok := row[slices.Index(Columns, col)].Number(); ok {
					ch <- prometheus.MustNewConstMetric(dailyDesc, prometheus.GaugeValue, n, office, string(col), d.label)
				}
			}
			for _, q := range []struct {
				desc *prometheus.Desc
				col  Column
				q    string
			}{{dailyWaitDesc, ColWaitP50, "0.5"}, {dailyWaitDesc, ColWaitP90, "0.9"}, {dailyHandlingDesc, ColHandlingP50, "0.5"}, {dailyHandlingDesc, ColHandlingP90, "0.9"}} {
				if m, ok := row[slices.Index(Columns, q.col)].Number(); ok {
					ch <- prometheus.MustNewConstMetric(q.desc, prometheus.GaugeValue, m*60, office, q.q, d.label)
				}
			}
		}
		// an office without a case that day: zeros, not a gap
		for _, office := range offices {
			if seen[office] {
				continue
			}
			for _, col := range gaugeColumns {
				ch <- prometheus.MustNewConstMetric(dailyDesc, prometheus.GaugeValue, 0, office, string(col), d.label)
			}
		}
	}
}
