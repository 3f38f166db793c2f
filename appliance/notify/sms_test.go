package notify_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/config"
	"github.com/buergerbuero/buergerbuero/appliance/notify"
)

type gateway struct {
	mu     sync.Mutex
	got    []map[string]string
	auth   []string
	status int
}

func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	var v map[string]string
	if err := json.Unmarshal(b, &v); err != nil || r.Header.Get("Content-Type") != "application/json" || r.Method != http.MethodPost {
		http.Error(w, "bad request", 400)
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.status != 0 {
		w.WriteHeader(g.status)
		return
	}
	g.got = append(g.got, v)
	g.auth = append(g.auth, r.Header.Get("Authorization")+"|"+r.Header.Get("X-Account"))
	w.WriteHeader(http.StatusAccepted)
}

// TestSMSGatewayReceivesTheTexts sends a booking's SMS through a local
// HTTP gateway: the configured body template, header and bearer token
// arrive, each message once, with the slot in Berlin time and the link
// that fits the kind; a gateway error is retried, a refused number is
// given up.
func TestSMSGatewayReceivesTheTexts(t *testing.T) {
	g := &gateway{}
	hs := httptest.NewServer(g)
	defer hs.Close()
	tok := filepath.Join(t.TempDir(), "sms.token")
	os.WriteFile(tok, []byte("gateway-token-0123456789\n"), 0o600)
	cfg := config.NotifySMS{URL: hs.URL + "/send", Method: "POST", Body: config.DefaultSMSBody,
		Headers: map[string]string{"X-Account": "musterland"}, TokenFile: tok}
	sender, err := notify.NewSMSSender(cfg, renderer(t), hs.Client())
	if err != nil {
		t.Fatal(err)
	}
	db := openDB(t, t.TempDir())
	defer db.Close()
	clock := newClock(slot.Add(-48 * time.Hour))
	var msgs []notify.Message
	for _, k := range []notify.Kind{notify.KindCode, notify.KindConfirmation, notify.KindReminder, notify.KindCancellation, notify.KindWaitlistOffer} {
		msgs = append(msgs, booking(k, notify.ChannelSMS, "de", "+4915112345678"))
	}
	enqueue(t, db, clock.Now(), msgs...)
	o := notify.New(db, map[notify.Channel]notify.Sender{notify.ChannelSMS: sender}, notify.Policy{}, clock, nil, quiet)

	g.status = http.StatusServiceUnavailable
	if _, err := o.DeliverDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st, _ := o.Status(context.Background()); st.Pending != 5 {
		t.Fatalf("gateway 503: %+v, want all 5 pending for a retry", st)
	}
	g.status = 0
	clock.Advance(time.Minute)
	if n, err := o.DeliverDue(context.Background()); err != nil || n != 5 {
		t.Fatalf("sent %d, %v", n, err)
	}
	want := []string{
		"Ihr Code für Bauamt: 482913. Gültig bis So 29.03., 14:15 Uhr.",
		"Termin gebucht: Mo 30.03., 10:15 Uhr, Bauamt. Absagen oder umbuchen: https://buergerbuero.musterland.de/t/Xk3pQ9/cancel",
		"Erinnerung: Termin Mo 30.03., 10:15 Uhr, Bauamt. Zum Termin: https://buergerbuero.musterland.de/t/Xk3pQ9/join",
		"Ihr Termin Mo 30.03., 10:15 Uhr, Bauamt ist abgesagt. Neu buchen: https://buergerbuero.musterland.de/t/Xk3pQ9/rebook",
		"Termin frei: Mo 30.03., 10:15 Uhr, Bauamt. Annehmen bis So 29.03., 14:15 Uhr: https://buergerbuero.musterland.de/t/Xk3pQ9/accept",
	}
	if len(g.got) != len(want) {
		t.Fatalf("gateway got %d texts, want %d: %v", len(g.got), len(want), g.got)
	}
	for i, w := range want {
		if g.got[i]["to"] != "+4915112345678" || g.got[i]["text"] != w {
			t.Errorf("SMS %d: %v\nwant text %q", i, g.got[i], w)
		}
		if g.auth[i] != "Bearer gateway-token-0123456789|musterland" {
			t.Errorf("SMS %d: auth and header %q", i, g.auth[i])
		}
	}

	bad := booking(notify.KindCode, notify.ChannelSMS, "de", "+4915112345678")
	bad.DedupeKey = "code:refused"
	enqueue(t, db, clock.Now(), bad)
	g.status = http.StatusUnprocessableEntity
	o.DeliverDue(context.Background())
	if st, _ := o.Status(context.Background()); st.Failed != 1 || st.Pending != 0 || strings.Contains(st.Recent[0].LastError, "12345678") {
		t.Errorf("refused number: status %+v, want given up at once without the number", st)
	}
}

// TestSMSTextsFitOneMessage: German and English texts of every kind are
// GSM-7 and at most 160 characters with realistic data; Leichte Sprache
// writes dates in full and may take two GSM-7 segments; the other
// languages need UCS-2 (70 characters per single SMS, 67 per segment, so
// two or three segments: docs/notify.md).
func TestSMSTextsFitOneMessage(t *testing.T) {
	r := renderer(t)
	for _, lang := range []string{"de", "de-x-ls", "en", "tr", "ar", "fa", "uk", "ru"} {
		for _, k := range []notify.Kind{notify.KindCode, notify.KindConfirmation, notify.KindReminder, notify.KindCancellation, notify.KindWaitlistOffer} {
			m := booking(k, notify.ChannelSMS, lang, "+4915112345678")
			m.Office = "Ausländerbehörde" // a long office name
			m.Start = time.Date(2026, 12, 30, 16, 45, 0, 0, berlin)
			m.Expires = m.Start.Add(-26 * time.Hour)
			text := r.SMS(m)
			n, gsm := notify.SMSLength(text)
			switch lang {
			case "de", "en":
				if !gsm || n > 160 {
					t.Errorf("%s %s: %d units, GSM-7 %v, want GSM-7 ≤ 160: %q", lang, k, n, gsm, text)
				}
			case "de-x-ls": // dates written out in full: up to two SMS
				if !gsm || n > 2*153 {
					t.Errorf("%s %s: %d units, GSM-7 %v, want GSM-7 ≤ 306: %q", lang, k, n, gsm, text)
				}
			default:
				if n > 3*67 {
					t.Errorf("%s %s: %d UCS-2 units, more than three segments: %q", lang, k, n, text)
				}
			}
			if strings.Contains(text, "{{") || strings.Contains(text, "<no value>") {
				t.Errorf("%s %s: unfilled placeholder: %q", lang, k, text)
			}
		}
	}
}
