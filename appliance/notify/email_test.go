package notify_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/buergerbuero/buergerbuero/appliance/config"
	"github.com/buergerbuero/buergerbuero/appliance/notify"
	"github.com/buergerbuero/buergerbuero/appliance/notify/smtptest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func emailSender(t testing.TB, srv *smtptest.Server) *notify.EmailSender {
	t.Helper()
	s, err := notify.NewEmailSender(config.NotifyEmail{Host: srv.Host, Port: srv.Port, TLS: "starttls",
		Username: srv.User, Password: srv.Password, From: "Bürgerbüro Musterland <termine@musterland.example>"},
		renderer(t), srv.ClientTLS)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestEmailsArriveOnceInTheirLanguageWithCalendar sends a booking's mails
// through a real SMTP server (STARTTLS, PLAIN auth) and reads them back
// as a citizen's mail program would: subject and body in the booking's
// language, the slot in Berlin time, links to cancel and rebook, and for
// confirmation and cancellation an .ics that an iCalendar parser accepts,
// with the same UID, a higher SEQUENCE and METHOD:CANCEL.
func TestEmailsArriveOnceInTheirLanguageWithCalendar(t *testing.T) {
	srv := smtptest.Start(t)
	db := openDB(t, t.TempDir())
	defer db.Close()
	clock := newClock(slot.Add(-48 * time.Hour))
	code := booking(notify.KindCode, notify.ChannelEmail, "en", "citizen@example.org")
	conf := booking(notify.KindConfirmation, notify.ChannelEmail, "de", "citizen@example.org")
	cancel := booking(notify.KindCancellation, notify.ChannelEmail, "de", "citizen@example.org")
	cancel.Sequence, cancel.Reason = 1, "Die Sachbearbeiterin ist erkrankt."
	arConf := booking(notify.KindConfirmation, notify.ChannelEmail, "ar", "muwatin@example.org")
	enqueue(t, db, clock.Now(), code, conf, cancel, arConf)

	o := notify.New(db, map[notify.Channel]notify.Sender{notify.ChannelEmail: emailSender(t, srv)}, notify.Policy{}, clock, nil, quiet)
	if n, err := o.DeliverDue(context.Background()); err != nil || n != 4 {
		t.Fatalf("DeliverDue = %d, %v; want 4 sent", n, err)
	}
	msgs := srv.Wait(4, 10*time.Second)
	if n, _ := o.DeliverDue(context.Background()); n != 0 || len(srv.Messages()) != 4 {
		t.Fatalf("second pass sent %d more; server has %d, want 4", n, len(srv.Messages()))
	}
	bySubject := map[string]parsed{}
	for _, m := range msgs {
		if !m.TLS || m.User != srv.User {
			t.Errorf("message to %v: TLS=%v user=%q, want STARTTLS and authentication", m.To, m.TLS, m.User)
		}
		p := parseMail(t, m.Data)
		if _, dup := bySubject[p.Subject]; dup {
			t.Errorf("subject %q arrived twice", p.Subject)
		}
		bySubject[p.Subject] = p
	}

	want := map[string]struct {
		lang, text, ics string
	}{
		"Your confirmation code: 482913":                          {"en", "Mon 30 Mar, 10:15", ""},
		"Termin bestätigt: Mo 30.03., 10:15 Uhr, Bauamt":          {"de", "Bauberatung: Mo 30.03., 10:15 Uhr (30 Minuten)", "REQUEST"},
		"Termin abgesagt: Mo 30.03., 10:15 Uhr, Bauamt":           {"de", "Nachricht des Amts: Die Sachbearbeiterin ist erkrankt.", "CANCEL"},
		"تم تأكيد الموعد: الاثنين، ٣٠ مارس، الساعة ١٠:١٥، Bauamt": {"ar", "٣٠ مارس", "REQUEST"},
	}
	var uids []string
	var seqs []string
	for subj, w := range want {
		p, ok := bySubject[subj]
		if !ok {
			t.Errorf("no mail with subject %q (got %v)", subj, keys(bySubject))
			continue
		}
		if got := p.Header.Get("Content-Language"); got != w.lang {
			t.Errorf("%s: Content-Language %q, want %q", subj, got, w.lang)
		}
		text, html := p.Parts["text/plain"], p.Parts["text/html"]
		if !strings.Contains(text, w.text) {
			t.Errorf("%s: text lacks %q:\n%s", subj, w.text, text)
		}
		for _, link := range []string{"/t/Xk3pQ9/cancel", "/t/Xk3pQ9/rebook", "/t/Xk3pQ9/join"} {
			if !strings.Contains(text, link) || !strings.Contains(html, link) {
				t.Errorf("%s: link %s missing from text or HTML", subj, link)
			}
		}
		dir := `dir="ltr"`
		if w.lang == "ar" {
			dir = `dir="rtl"`
		}
		if !strings.Contains(html, dir) || !strings.Contains(html, `lang="`+w.lang+`"`) {
			t.Errorf("%s: HTML without %s lang=%q", subj, dir, w.lang)
		}
		raw, has := p.Parts["text/calendar"]
		if w.ics == "" {
			if has {
				t.Errorf("%s: unexpected calendar attachment", subj)
			}
			continue
		}
		if !has || !strings.Contains(p.Types["text/calendar"], "method="+w.ics) {
			t.Errorf("%s: no text/calendar part with method=%s (types %v)", subj, w.ics, p.Types)
			continue
		}
		cal, err := ics.ParseCalendar(strings.NewReader(raw))
		if err != nil {
			t.Fatalf("%s: parse ics: %v\n%s", subj, err, raw)
		}
		if m := cal.CalendarProperties; !hasProp(m, "METHOD", w.ics) {
			t.Errorf("%s: calendar METHOD is not %s:\n%s", subj, w.ics, raw)
		}
		if tzs := cal.Timezones(); len(tzs) != 1 || tzs[0].GetProperty(ics.ComponentPropertyTzid).Value != "Europe/Berlin" || len(tzs[0].Components) != 2 {
			t.Errorf("%s: want one VTIMEZONE Europe/Berlin with standard and daylight time:\n%s", subj, raw)
		}
		evs := cal.Events()
		if len(evs) != 1 {
			t.Fatalf("%s: %d events", subj, len(evs))
		}
		ev := evs[0]
		start := ev.GetProperty(ics.ComponentPropertyDtStart)
		if start == nil || start.Value != "20260330T101500" || start.ICalParameters["TZID"][0] != "Europe/Berlin" {
			t.Errorf("%s: DTSTART %+v, want 20260330T101500 with TZID=Europe/Berlin", subj, start)
		}
		if at, err := ev.GetStartAt(); err != nil || !at.Equal(slot) {
			t.Errorf("%s: start reads back as %v (%v), want %v", subj, at, err, slot)
		}
		if end := ev.GetProperty(ics.ComponentPropertyDtEnd); end == nil || end.Value != "20260330T104500" {
			t.Errorf("%s: DTEND %+v, want 10:45", subj, end)
		}
		status := ev.GetProperty(ics.ComponentPropertyStatus)
		if w.ics == "CANCEL" && (status == nil || status.Value != "CANCELLED") {
			t.Errorf("%s: STATUS %+v, want CANCELLED", subj, status)
		}
		if w.lang == "de" {
			uids = append(uids, ev.Id())
			seqs = append(seqs, w.ics+"="+ev.GetProperty(ics.ComponentPropertySequence).Value)
		}
	}
	if len(uids) != 2 || uids[0] != uids[1] || uids[0] != "b1@buergerbuero.musterland.de" {
		t.Errorf("confirmation and cancellation UIDs %v, want the booking's UID twice", uids)
	}
	for _, s := range seqs {
		if s != "REQUEST=0" && s != "CANCEL=1" {
			t.Errorf("SEQUENCE %s; want REQUEST=0, CANCEL=1", s)
		}
	}
}

func hasProp(props []ics.CalendarProperty, name, value string) bool {
	for _, p := range props {
		if p.IANAToken == name && p.Value == value {
			return true
		}
	}
	return false
}

func keys(m map[string]parsed) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestVTimezoneFollowsTheZone checks the generated VTIMEZONE against Go's
// zone data: Berlin switches on the last Sundays of March and October.
func TestVTimezoneFollowsTheZone(t *testing.T) {
	e, err := renderer(t).Email(booking(notify.KindConfirmation, notify.ChannelEmail, "de", "a@example.org"))
	if err != nil {
		t.Fatal(err)
	}
	s := strings.ReplaceAll(string(e.ICS), "\r\n", "\n")
	for _, want := range []string{
		"BEGIN:DAYLIGHT\nDTSTART:20260329T020000\nTZOFFSETFROM:+0100\nTZOFFSETTO:+0200\nTZNAME:CEST\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
		"BEGIN:STANDARD\nDTSTART:20261025T030000\nTZOFFSETFROM:+0200\nTZOFFSETTO:+0100\nTZNAME:CET\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("VTIMEZONE lacks\n%s\nin\n%s", want, s)
		}
	}
}

// TestTLSIsRequired: implicit TLS delivers; the default STARTTLS refuses to
// send (and to authenticate) over a relay that offers no TLS.
func TestTLSIsRequired(t *testing.T) {
	m := booking(notify.KindCode, notify.ChannelEmail, "de", "citizen@example.org")
	for _, tc := range []struct {
		name    string
		mode    smtptest.Mode
		tls     string
		arrives bool
	}{
		{"implicit", smtptest.Implicit, "implicit", true},
		{"starttls against a relay without TLS", smtptest.NoTLS, "starttls", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := smtptest.Start(t, tc.mode)
			s, err := notify.NewEmailSender(config.NotifyEmail{Host: srv.Host, Port: srv.Port, TLS: tc.tls,
				Username: srv.User, Password: srv.Password, From: "termine@musterland.example"}, renderer(t), srv.ClientTLS)
			if err != nil {
				t.Fatal(err)
			}
			err = s.Send(context.Background(), m)
			if got := len(srv.Messages()); (err == nil) != tc.arrives || (got == 1) != tc.arrives {
				t.Fatalf("send: %v, %d messages arrived; want arrival %v", err, got, tc.arrives)
			}
			if tc.arrives && !srv.Messages()[0].TLS {
				t.Error("arrived without TLS")
			}
		})
	}
}
