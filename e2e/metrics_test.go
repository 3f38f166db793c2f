package e2e

import (
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
	"github.com/buergerbuero/buergerbuero/appliance/config"
	"github.com/buergerbuero/buergerbuero/appliance/notify/smtptest"
)

// wantMetrics are the figures operators rely on (docs/grafana/buergerbuero.json).
var wantMetrics = []string{
	"buergerbuero_queue_waiting", "buergerbuero_wait_seconds_bucket", "buergerbuero_estimate_error_seconds_bucket",
	"buergerbuero_consultations_active", "buergerbuero_consultations_total", "buergerbuero_ticket_actions_total",
	"buergerbuero_notification_failures_total", "buergerbuero_http_request_duration_seconds_bucket",
	"buergerbuero_tls_certificate_expiry_timestamp_seconds", "buergerbuero_bridge_streams_open", "buergerbuero_bridge_events_sent_total",
	"buergerbuero_sfu_rooms", "buergerbuero_sfu_peers", "buergerbuero_sfu_tracks", "buergerbuero_sfu_received_bytes_total",
	"buergerbuero_sfu_sent_bytes_total", "buergerbuero_sfu_received_packets_lost_total", "buergerbuero_sfu_nacks_received_total",
	"buergerbuero_sfu_plis_sent_total", "buergerbuero_sfu_rtt_seconds_bucket",
	"buergerbuero_appointment_arrivals_total", "buergerbuero_appointment_no_shows_total",
	"buergerbuero_daily_figure", "buergerbuero_outbox_pending", "buergerbuero_outbox_sent_total", "buergerbuero_outbox_failed_total", "buergerbuero_outbox_retries_total",
	"go_goroutines", "go_memstats_heap_alloc_bytes", "process_resident_memory_bytes",
}

// TestMetricsAfterAJourney runs the production daemon (serve, certmagic's
// internal CA, the SFU, the admin listener), takes tickets through every
// action and checks that /metrics has every figure, that promtool accepts
// the exposition and that no label carries personal data.
func TestMetricsAfterAJourney(t *testing.T) {
	cfg := apptest.ServeConfig(t)
	cfg.HTTP.AdminListen = apptest.FreePort(t)
	cfg.API.ServiceTokens = []config.ServiceToken{{Name: "matrix-bridge", Token: strings.Repeat("b", 40)}}
	relay := smtptest.Start(t)
	ca := filepath.Join(t.TempDir(), "relay-ca.pem")
	os.WriteFile(ca, relay.CertPEM, 0o600)
	cfg.Notify = &config.Notify{Email: &config.NotifyEmail{Host: relay.Host, Port: relay.Port, CAFile: ca, From: "termine@testkreis.example"}}
	apptest.AddClerk(t, cfg.Store.DataDir, "anna", "anna-passwort-123", "buergerbuero", "bauamt")
	p := apptest.StartProcess(t, cfg)
	hc := p.Client()
	hc.Jar, _ = cookiejar.New(nil)
	c := &apiClient{t: t, base: p.URL, http: hc}
	a, b, d, e := c.knock("buergerbuero", "Herr Mustermann, Steuer-ID 12345"), c.knock("buergerbuero", "zwei"), c.knock("bauamt", "drei"), c.knock("bauamt", "vier")
	c.token = e.Token
	c.do("DELETE", "/api/v1/tickets/"+e.ID, nil, nil)
	c.token = ""
	c.login("anna", "anna-passwort-123")
	for _, s := range []struct{ path, body string }{
		{"/api/v1/staff/tickets/" + a.ID + "/admit", ""}, {"/api/v1/staff/tickets/" + a.ID + "/forward", "bauamt"},
		{"/api/v1/staff/tickets/" + b.ID + "/decline", "msg"}, {"/api/v1/staff/tickets/" + d.ID + "/admit", ""},
		{"/api/v1/staff/tickets/" + d.ID + "/return", ""}, {"/api/v1/staff/tickets/" + d.ID + "/admit", ""},
		{"/api/v1/staff/tickets/" + d.ID + "/end", ""},
	} {
		body := map[string]string{}
		switch s.body {
		case "bauamt":
			body["office_id"] = "bauamt"
		case "msg":
			body["message"] = "Bitte wenden Sie sich an das Ordnungsamt."
		}
		if st := c.do("POST", s.path, body, nil); st != 200 {
			t.Fatalf("%s: %d", s.path, st)
		}
	}
	text := p.MetricsText()
	for _, m := range wantMetrics {
		if !regexp.MustCompile(`(?m)^` + m + `[{ ]`).MatchString(text) {
			t.Errorf("metric %s missing from /metrics", m)
		}
	}
	for _, action := range []string{"knock", "admit", "forward", "decline", "return", "end", "leave"} {
		if !strings.Contains(text, `action="`+action+`"`) {
			t.Errorf("no ticket_actions_total for %s", action)
		}
	}
	for _, leak := range []string{"Mustermann", "12345", a.Number, a.ID} {
		if strings.Contains(text, leak) {
			t.Errorf("/metrics contains %q", leak)
		}
	}
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatal("promtool not found: scripts/test installs Debian's prometheus package")
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(text)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("promtool check metrics: %v\n%s", err, out)
	}
}
