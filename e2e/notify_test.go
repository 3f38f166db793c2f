package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
	"github.com/buergerbuero/buergerbuero/appliance/config"
	"github.com/buergerbuero/buergerbuero/appliance/notify"
	"github.com/buergerbuero/buergerbuero/appliance/notify/smtptest"
)

// TestAppDeliversTheOutboxAndShowsItToAdmins runs the appliance with a
// notify.email section pointing at a real SMTP server (STARTTLS with the
// county's own CA, authentication): a stored confirmation arrives at once
// (storing wakes the delivery loop) and once,
// admins see it counted at /api/v1/staff/outbox without the recipient,
// clerks are refused, and the sent counter moves.
func TestAppDeliversTheOutboxAndShowsItToAdmins(t *testing.T) {
	mail := smtptest.Start(t)
	ca := filepath.Join(t.TempDir(), "relay-ca.pem")
	if err := os.WriteFile(ca, mail.CertPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true, Configure: func(c *config.Config) {
		c.Notify = &config.Notify{Email: &config.NotifyEmail{Host: mail.Host, Port: mail.Port, TLS: "starttls", CAFile: ca,
			Username: mail.User, Password: mail.Password, From: "Testkreis <termine@testkreis.example>"}}
	}})
	if srv.App.Outbox == nil {
		t.Fatal("notify.email is configured but the app has no outbox")
	}
	start := time.Now().Add(72 * time.Hour).Truncate(time.Hour)
	m := notify.Message{DedupeKey: "confirmation:e2e:0", Kind: notify.KindConfirmation, Channel: notify.ChannelEmail,
		Recipient: "erika.mustermann@example.org", Lang: "de", Office: "Bauamt", Service: "Bauberatung", Start: start,
		Duration: 30 * time.Minute, CancelURL: srv.URL + "/x/cancel", RebookURL: srv.URL + "/x/rebook", UID: "e2e@testkreis", Sequence: 0}
	if ok, err := srv.App.DB.EnqueueOutbox(context.Background(), m, time.Now()); err != nil || !ok {
		t.Fatalf("enqueue: %v %v", ok, err)
	}
	// no Wake: storing the message wakes the loop (else it sleeps 5 minutes)
	got := mail.Wait(1, 20*time.Second)
	if len(got) != 1 || got[0].To[0] != m.Recipient || !got[0].TLS {
		t.Fatalf("relay received %+v", got)
	}
	if !strings.Contains(string(got[0].Data), "BEGIN:VCALENDAR") && !strings.Contains(string(got[0].Data), "text/calendar") {
		t.Error("confirmation without calendar attachment")
	}

	admin := newClient(t, srv)
	admin.token = srv.ServiceToken // the bridge's service token acts as admin
	var view struct {
		Pending, Sent, Failed int
		Channels              []string
	}
	deadline := time.Now().Add(10 * time.Second)
	for view.Sent != 1 && time.Now().Before(deadline) { // marked sent just after the relay's 250
		if st := admin.do("GET", "/api/v1/staff/outbox", nil, &view); st != 200 {
			t.Fatalf("admin: GET /api/v1/staff/outbox = %d", st)
		}
	}
	if view.Sent != 1 || view.Pending != 0 || len(view.Channels) != 1 || view.Channels[0] != "email" {
		t.Errorf("outbox view %+v, want 1 sent over email", view)
	}
	clerk := newClient(t, srv)
	clerk.login("anna", "anna-passwort-123")
	var raw map[string]any
	if st := clerk.do("GET", "/api/v1/staff/outbox", nil, &raw); st != 403 {
		t.Errorf("clerk: GET /api/v1/staff/outbox = %d, want 403", st)
	}
	mfs, err := srv.App.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	sent := 0.0
	for _, mf := range mfs {
		if mf.GetName() == "buergerbuero_outbox_sent_total" {
			for _, m := range mf.Metric {
				sent += m.GetCounter().GetValue()
			}
		}
	}
	if sent != 1 {
		t.Errorf("buergerbuero_outbox_sent_total = %v, want 1", sent)
	}
}
