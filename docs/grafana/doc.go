// Package grafana holds the Grafana dashboard of the appliance
// (buergerbuero.json, import it in Grafana with a Prometheus data source).
// Its test checks that every panel queries metrics the appliance exports.
package grafana
