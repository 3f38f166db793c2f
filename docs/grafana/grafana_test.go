package grafana

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// exported lists the metric names the appliance exports (families: a
// histogram's _bucket, _sum and _count series belong to its name).
var exported = []string{
	"buergerbuero_queue_waiting",
	"buergerbuero_wait_seconds",
	"buergerbuero_estimate_error_seconds",
	"buergerbuero_consultations_active",
	"buergerbuero_consultations_total",
	"buergerbuero_ticket_actions_total",
	"buergerbuero_notification_failures_total",
	"buergerbuero_http_request_duration_seconds",
	"buergerbuero_tls_certificate_expiry_timestamp_seconds",
	"buergerbuero_daily_figure",
	"buergerbuero_daily_wait_seconds",
	"buergerbuero_daily_consultation_seconds",
}

// exportedPrefixes are families whose members the SFU, the bridge, and
// the Go and process collectors of client_golang define.
var exportedPrefixes = []string{"buergerbuero_sfu_", "buergerbuero_bridge_", "go_", "process_"}

var metricRE = regexp.MustCompile(`\b(?:buergerbuero|go|process)_[a-z0-9_]*`)

type panel struct {
	Title   string  `json:"title"`
	Type    string  `json:"type"`
	Panels  []panel `json:"panels"`
	Targets []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
}

func known(name string) bool {
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suffix); ok && slices.Contains(exported, base) {
			return true
		}
	}
	if slices.Contains(exported, name) {
		return true
	}
	for _, p := range exportedPrefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

func TestDashboardQueriesExportedMetrics(t *testing.T) {
	b, err := os.ReadFile("buergerbuero.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Title  string  `json:"title"`
		UID    string  `json:"uid"`
		Panels []panel `json:"panels"`
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("buergerbuero.json is not valid JSON: %v", err)
	}
	if dash.Title == "" || dash.UID == "" {
		t.Error("dashboard needs a title and a uid")
	}
	used := map[string]bool{}
	var walk func([]panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			walk(p.Panels)
			if p.Type == "row" {
				continue
			}
			if len(p.Targets) == 0 {
				t.Errorf("panel %q has no query", p.Title)
			}
			for _, tg := range p.Targets {
				names := metricRE.FindAllString(tg.Expr, -1)
				if len(names) == 0 {
					t.Errorf("panel %q: query %q names no metric", p.Title, tg.Expr)
				}
				for _, n := range names {
					if !known(n) {
						t.Errorf("panel %q: %s is not an exported metric", p.Title, n)
					}
					used[strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(n, "_bucket"), "_sum"), "_count")] = true
				}
			}
		}
	}
	walk(dash.Panels)
	for _, m := range exported {
		if !used[m] {
			t.Errorf("no panel shows %s", m)
		}
	}
	for _, p := range exportedPrefixes {
		found := false
		for u := range used {
			found = found || strings.HasPrefix(u, p)
		}
		if !found {
			t.Errorf("no panel shows a %s* metric", p)
		}
	}
}
