package tlsconf

import (
	"crypto/x509"
	"net"

	"github.com/prometheus/client_golang/prometheus"
)

var expiryDesc = prometheus.NewDesc(
	"buergerbuero_tls_certificate_expiry_timestamp_seconds",
	"Expiry (NotAfter) of the TLS certificate served for a domain, as a Unix timestamp.",
	[]string{"domain"}, nil,
)

// Collector exports buergerbuero_tls_certificate_expiry_timestamp_seconds
// for every domain a certificate is currently served for. Register it on the
// admin /metrics registry.
func (m *Manager) Collector() prometheus.Collector { return expiryCollector{m} }

type expiryCollector struct{ m *Manager }

func (c expiryCollector) Describe(ch chan<- *prometheus.Desc) { ch <- expiryDesc }

func (c expiryCollector) Collect(ch chan<- prometheus.Metric) {
	for domain, leaf := range c.m.leaves() {
		ch <- prometheus.MustNewConstMetric(expiryDesc, prometheus.GaugeValue, float64(leaf.NotAfter.Unix()), domain)
	}
}

// leaves returns the certificate served per domain: in modes acme and
// internal the latest-expiring cached certificate of each configured domain,
// in mode files the certificate's own names.
func (m *Manager) leaves() map[string]*x509.Certificate {
	out := map[string]*x509.Certificate{}
	switch {
	case m.files != nil:
		leaf := m.files.cur.Load().Leaf
		for _, n := range leaf.DNSNames {
			out[n] = leaf
		}
		for _, ip := range leaf.IPAddresses {
			out[ip.String()] = leaf
		}
	case m.cache != nil:
		for _, d := range m.domains {
			name := d
			if ip := net.ParseIP(d); ip != nil {
				name = ip.String()
			}
			for _, c := range m.cache.AllMatchingCertificates(name) {
				if c.Leaf != nil && (out[d] == nil || c.Leaf.NotAfter.After(out[d].NotAfter)) {
					out[d] = c.Leaf
				}
			}
		}
	}
	return out
}
