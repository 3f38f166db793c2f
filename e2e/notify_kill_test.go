package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
	"github.com/buergerbuero/buergerbuero/appliance/config"
	"github.com/buergerbuero/buergerbuero/appliance/notify"
	"github.com/buergerbuero/buergerbuero/appliance/notify/smtptest"
	"github.com/buergerbuero/buergerbuero/appliance/store/sqlite"
)

// metricSum adds up every series of a metric in a /metrics text.
func metricSum(text, name string) float64 {
	sum := 0.0
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, name+"{") || strings.HasPrefix(line, name+" ") {
			f := strings.Fields(line)
			v, _ := strconv.ParseFloat(f[len(f)-1], 64)
			sum += v
		}
	}
	return sum
}

func storeMessage(t *testing.T, dir, who string) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	m := notify.Message{DedupeKey: "confirmation:" + who, Kind: notify.KindConfirmation, Channel: notify.ChannelEmail,
		Recipient: who + "@example.org", Lang: "de", Office: "Bauamt", Service: "Bauberatung",
		Start: time.Now().Add(72 * time.Hour), Duration: 30 * time.Minute, UID: who + "@testkreis"}
	if ok, err := db.EnqueueOutbox(context.Background(), m, time.Now()); err != nil || !ok {
		t.Fatalf("store %s: %v %v", who, ok, err)
	}
}

// TestOutboxSurvivesSIGKILL runs the production daemon with its relay
// down: a confirmation stored before it started and one stored while it
// runs are both still unsent when the daemon is SIGKILLed; after the relay
// and the daemon are back, each arrives exactly once.
func TestOutboxSurvivesSIGKILL(t *testing.T) {
	relay := smtptest.Start(t)
	relay.Stop()
	ca := filepath.Join(t.TempDir(), "relay-ca.pem")
	os.WriteFile(ca, relay.CertPEM, 0o600)
	cfg := apptest.ServeConfig(t)
	cfg.HTTP.AdminListen = apptest.FreePort(t)
	cfg.Notify = &config.Notify{
		Email:      &config.NotifyEmail{Host: relay.Host, Port: relay.Port, CAFile: ca, From: "termine@testkreis.example"},
		FirstRetry: config.Duration{Duration: time.Second}, MaxRetry: config.Duration{Duration: 2 * time.Second},
	}
	storeMessage(t, cfg.Store.DataDir, "erika") // stored before the daemon runs
	p := apptest.StartProcess(t, cfg)
	deadline := time.Now().Add(20 * time.Second)
	for metricSum(p.MetricsText(), "buergerbuero_outbox_retries_total") < 1 {
		if time.Now().After(deadline) {
			t.Fatal("the daemon never tried the stored message")
		}
		time.Sleep(100 * time.Millisecond) // polling another process's /metrics
	}
	storeMessage(t, cfg.Store.DataDir, "max") // stored while it runs …
	p.Kill()                                  // … and killed before anything could be sent

	if n := len(relay.Messages()); n != 0 {
		t.Fatalf("%d messages passed a relay that was down", n)
	}
	relay.Restart()
	p.Start()
	got := relay.Wait(2, 30*time.Second)
	if len(got) < 2 {
		t.Fatalf("after the restart the relay got %d of 2 messages", len(got))
	}
	deadline = time.Now().Add(20 * time.Second)
	for metricSum(p.MetricsText(), "buergerbuero_outbox_sent_total") < 2 {
		if time.Now().After(deadline) {
			t.Fatal("the daemon did not record both messages as sent")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if n := metricSum(p.MetricsText(), "buergerbuero_outbox_pending"); n != 0 {
		t.Errorf("pending = %v after delivery", n)
	}
	counts := map[string]int{}
	for _, m := range relay.Messages() {
		counts[m.To[0]]++
	}
	if len(counts) != 2 || counts["erika@example.org"] != 1 || counts["max@example.org"] != 1 {
		t.Errorf("relay received %v, want each recipient once", counts)
	}
}
