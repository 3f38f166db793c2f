package e2e

import (
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/chromedp/chromedp"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
	"github.com/buergerbuero/buergerbuero/appliance/config"
	"github.com/buergerbuero/buergerbuero/appliance/notify"
	"github.com/buergerbuero/buergerbuero/appliance/notify/smtptest"
)

// bookingService is the bookable service configureBooking gives the
// Bauamt: its name and what to bring are configuration data.
var bookingService = config.Service{ID: "beratung", Name: "Bauberatung", Duration: config.Duration{Duration: 30 * time.Minute},
	Languages: []string{"de", "en"}, WhatToBring: "Lageplan und Grundbuchauszug", Mode: "booking"}

// configureBooking makes the Bauamt closed today and open tomorrow from
// 08:00 to 18:00 (site time), with one chair reserved for appointments
// and a bookable 30-minute service: closed now, bookable slots soon.
func configureBooking(c *config.Config) {
	loc, _ := time.LoadLocation("Europe/Berlin")
	tomorrow := strings.ToLower(time.Now().In(loc).AddDate(0, 0, 1).Weekday().String()[:3])
	c.Appointments.LeadTime = config.Duration{Duration: 0}
	for i := range c.Offices {
		if c.Offices[i].ID == "bauamt" {
			c.Offices[i].Hours = map[string][]string{tomorrow: {"08:00-18:00"}}
			c.Offices[i].Services = []config.Service{bookingService}
			c.Offices[i].Appointments.Chairs = map[string]int{tomorrow: 1}
		}
	}
}

// outboxDB opens the appliance's database read-only for assertions.
func outboxDB(t *testing.T, srv *apptest.Server) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(srv.Config.Store.DataDir, "buergerbuero.db")+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// outboxMessage waits for the newest outbox message of kind to the
// recipient and returns it.
func outboxMessage(t *testing.T, db *sql.DB, kind notify.Kind, recipient string) notify.Message {
	t.Helper()
	deadline := time.Now().Add(pageWait)
	for {
		var payload string
		err := db.QueryRow(`SELECT payload FROM outbox WHERE kind = ? AND recipient = ? ORDER BY id DESC LIMIT 1`, string(kind), recipient).Scan(&payload)
		if err == nil {
			var m notify.Message
			if err := json.Unmarshal([]byte(payload), &m); err != nil {
				t.Fatal(err)
			}
			return m
		}
		if err != sql.ErrNoRows || time.Now().After(deadline) {
			t.Fatalf("no %s message to %s in the outbox: %v", kind, recipient, err)
		}
		<-time.After(50 * time.Millisecond) // polling the database of another process's store
	}
}

const contact = "buergerin@example.org"

// TestBookingLoopInBrowser is the whole loop in real Chromium. The Bauamt
// is closed: it opens in 15 to 20 minutes for one 30-minute slot. The
// office list says so and links to booking; the citizen picks the service
// and the slot, gives an e-mail address, the proof of work runs in the
// page (the page is German, the conversation is to be in English), the
// code arrives by e-mail (a real SMTP relay with STARTTLS); a
// wrong code is refused in German with the field marked, the right one
// books. The page confirms the slot in site time with what to bring and
// when the data is deleted; the confirmation mail brings the .ics
// (REQUEST, Berlin time). The join link opened now, before the default
// 10-minute window, names the slot's time. After a restart with the
// office open and a 30-minute window, two walk-ins knock; the join link
// puts the citizen first, and the clerk sees "Termin HH:MM" and English.
func TestBookingLoopInBrowser(t *testing.T) {
	// the county is in Berlin, unless the slot would cross midnight there
	// (23:10–24:00): then in São Paulo, four or five hours behind, so the
	// loop runs at any time of day
	site, loc := "Europe/Berlin", berlinLoc
	now := time.Now().In(loc)
	open := now.Truncate(5 * time.Minute).Add(20 * time.Minute)
	if open.Add(30*time.Minute).YearDay() != now.YearDay() {
		site = "America/Sao_Paulo"
		loc, _ = time.LoadLocation(site)
		now = now.In(loc)
		open = open.In(loc)
	}
	hhmm := open.Format("15:04")
	today := strings.ToLower(now.Weekday().String()[:3])
	relay := smtptest.Start(t)
	ca := filepath.Join(t.TempDir(), "relay-ca.pem")
	if err := os.WriteFile(ca, relay.CertPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true, Configure: func(c *config.Config) {
		configureBooking(c)
		c.Site.TimeZone = site
		c.Notify = &config.Notify{Email: &config.NotifyEmail{Host: relay.Host, Port: relay.Port, TLS: "starttls", CAFile: ca,
			Username: relay.User, Password: relay.Password, From: "Testkreis <termine@testkreis.example>"}}
		for i := range c.Offices {
			if c.Offices[i].ID == "bauamt" {
				c.Offices[i].Hours = map[string][]string{today: {hhmm + "-" + open.Add(30*time.Minute).Format("15:04")}}
				c.Offices[i].Appointments.Chairs = map[string]int{today: 1}
			}
		}
	}})
	open2 := newBrowser(t, srv.CertPEM)
	b := open2()
	// mail returns the n-th mail the relay received, parsed
	mail := func(n int) smtptest.Mail {
		t.Helper()
		got := relay.Wait(n, pageWait)
		if len(got) < n {
			t.Fatalf("the SMTP relay has %d mails, want %d", len(got), n)
		}
		if got[n-1].To[0] != contact {
			t.Errorf("mail %d to %v, want %s", n, got[n-1].To, contact)
		}
		m, err := smtptest.Parse(got[n-1].Data)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}

	// 1. the office is closed; the citizen books with the proof of work in the page
	var closed string
	step(t, b, "office list: the Bauamt is closed and links to booking", chromedp.Navigate(srv.URL+"/?lang=de"),
		chromedp.WaitVisible(`li[data-office="bauamt"] a[data-field=book]`, chromedp.ByQuery),
		chromedp.Text(`li[data-office="bauamt"] .notice`, &closed, chromedp.ByQuery))
	if !strings.Contains(closed, "Termin") {
		t.Errorf("the closed office's notice does not offer booking: %q", closed)
	}
	step(t, b, "open the booking page", chromedp.Click(`li[data-office="bauamt"] a[data-field=book]`, chromedp.ByQuery),
		chromedp.WaitVisible("#book", chromedp.ByID),
		chromedp.Poll(`document.querySelectorAll('#slots input[name=start]').length > 0`, nil, chromedp.WithPollingTimeout(pageWait)))

	var info, privacy string
	step(t, b, "the service shows duration, languages and what to bring", chromedp.Text(`#svc-beratung-info`, &info, chromedp.ByID),
		chromedp.Text(`#book-privacy`, &privacy, chromedp.ByID))
	if days := int(srv.Config.Appointments.Retention.Hours() / 24); !strings.Contains(privacy, "löschen sie "+itoa(days)+" Tage nach dem Termin") {
		t.Errorf("the page does not say when contact and concern are deleted (appointments.retention, %d days): %q", days, privacy)
	}
	for _, want := range []string{"30 Minuten", "Deutsch", "English", bookingService.WhatToBring} {
		if !strings.Contains(info, want) {
			t.Errorf("service info %q lacks %q", info, want)
		}
	}
	var slotLabel, slotValue string
	step(t, b, "pick the slot", chromedp.Text(`label[for="slot-0"]`, &slotLabel, chromedp.ByQuery),
		chromedp.Value(`#slot-0`, &slotValue, chromedp.ByID), chromedp.Click(`#slot-0`, chromedp.ByID))
	if slotLabel != hhmm {
		t.Errorf("the slot is shown as %q, want %s (site time)", slotLabel, hhmm)
	}

	// no contact: the page says so and puts the focus on the field
	var focused, errText string
	step(t, b, "hold without contact", chromedp.Click("#hold", chromedp.ByID), chromedp.WaitVisible("#error", chromedp.ByID),
		chromedp.Text("#error", &errText, chromedp.ByID), chromedp.Evaluate(`document.activeElement.id`, &focused))
	if focused != "contact" || !strings.Contains(errText, "E-Mail-Adresse") {
		t.Errorf("without contact: error %q, focus on %q", errText, focused)
	}

	started := time.Now()
	step(t, b, "fill in and reserve (proof of work in the page)",
		chromedp.SendKeys("#contact", contact, chromedp.ByID),
		chromedp.SendKeys("#concern", "Carport an der Grundstücksgrenze", chromedp.ByID),
		chromedp.SetValue("#conv-beratung", "en", chromedp.ByID), // a German page, a conversation in English
		chromedp.Click("#hold", chromedp.ByID))
	waitPoW(t, b, "#code-step")
	t.Logf("proof of work and hold took %v in the browser", time.Since(started).Round(time.Millisecond))
	step(t, b, "focus on the code", chromedp.Evaluate(`document.activeElement.id`, &focused))
	if focused != "code" {
		t.Errorf("after the hold the focus is on %q, want the code field", focused)
	}

	// 2. the code arrives by e-mail, in German, and is entered
	codeMail := mail(1)
	m := regexp.MustCompile(`Ihr Bestätigungscode: (\d{6})`).FindStringSubmatch(codeMail.Subject)
	if m == nil {
		t.Fatalf("code mail subject %q", codeMail.Subject)
	}
	code := m[1]
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	step(t, b, "a wrong code is refused", chromedp.SendKeys("#code", wrong, chromedp.ByID), chromedp.Click("#code-form button[type=submit]", chromedp.ByQuery),
		chromedp.WaitVisible("#code-error", chromedp.ByID), chromedp.Text("#code-error", &errText, chromedp.ByID),
		chromedp.Evaluate(`document.activeElement.id + ' ' + document.activeElement.getAttribute('aria-invalid')`, &focused))
	if !strings.Contains(errText, "Code stimmt nicht") || focused != "code true" {
		t.Errorf("wrong code: error %q, focus %q", errText, focused)
	}
	step(t, b, "the right code books", chromedp.Evaluate(`document.getElementById('code').value = ''`, nil), chromedp.SendKeys("#code", code, chromedp.ByID),
		chromedp.Click("#code-form button[type=submit]", chromedp.ByQuery), chromedp.WaitVisible("#done", chromedp.ByID))

	var when, bring, joinHref, doneFocus string
	step(t, b, "the confirmation", chromedp.Text("#done-when", &when, chromedp.ByID), chromedp.Text("#done-bring", &bring, chromedp.ByID),
		chromedp.AttributeValue("#done-join", "href", &joinHref, nil, chromedp.ByID),
		chromedp.Evaluate(`document.activeElement.id`, &doneFocus))
	if want := hhmm + " bis " + open.Add(30*time.Minute).Format("15:04"); !strings.Contains(when, want) || !strings.Contains(when, itoa(open.Day())) {
		t.Errorf("confirmation shows %q, want day %d, %s", when, open.Day(), want)
	}
	if bring != bookingService.WhatToBring {
		t.Errorf("what to bring: %q", bring)
	}
	if doneFocus != "done-title" {
		t.Errorf("after booking the focus is on %q", doneFocus)
	}

	// 3. the confirmation arrives by e-mail with the appointment as .ics
	conf := mail(2)
	if !strings.HasPrefix(conf.Subject, "Termin bestätigt:") || !strings.Contains(conf.Subject, hhmm) ||
		!strings.Contains(conf.Parts["text/plain"], bookingService.WhatToBring) || !strings.Contains(conf.Parts["text/plain"], "/cancel#") {
		t.Errorf("confirmation mail %q:\n%s", conf.Subject, conf.Parts["text/plain"])
	}
	if !strings.Contains(conf.Types["text/calendar"], "method=REQUEST") {
		t.Fatalf("confirmation without .ics REQUEST: %v", conf.Types)
	}
	cal, err := ics.ParseCalendar(strings.NewReader(conf.Parts["text/calendar"]))
	if err != nil || len(cal.Events()) != 1 {
		t.Fatalf("confirmation .ics: %v", err)
	}
	if dt := cal.Events()[0].GetProperty(ics.ComponentPropertyDtStart); dt.Value != open.Format("20060102T150405") || dt.ICalParameters["TZID"][0] != site {
		t.Errorf(".ics DTSTART %+v, want %s %s", dt, open.Format("20060102T150405"), site)
	}
	if !strings.HasPrefix(joinHref, srv.URL+"/a/") || !strings.Contains(joinHref, "#") {
		t.Fatalf("join link %q", joinHref)
	}

	// 5. opened before its window, the join link names the slot's time
	step(t, b, "the join link too early", chromedp.Navigate(joinHref), chromedp.WaitVisible("#error", chromedp.ByID),
		chromedp.Text("#error", &errText, chromedp.ByID))
	if !strings.Contains(errText, hhmm) {
		t.Errorf("join link before the window: %q, want the slot's time %s", errText, hhmm)
	}

	// 4. the office opens and the window widens: two walk-ins knock, the
	// join link puts the citizen first, the clerk sees "Termin HH:MM"
	for i := range srv.Config.Offices {
		if srv.Config.Offices[i].ID == "bauamt" {
			srv.Config.Offices[i].Hours = apptest.AllDay()
		}
	}
	srv.Config.Appointments.JoinBefore = config.Duration{Duration: 30 * time.Minute}
	srv.Restart()
	anna := open2()
	login(t, anna, srv.URL, "anna", "anna-passwort-123")
	walkIn := newClient(t, srv)
	walkIn.knock("bauamt", "Bauantrag abgeben")
	walkIn.knock("bauamt", "Frage zur Baulast")
	step(t, anna, "two walk-ins in the console",
		chromedp.WaitVisible(`section[data-office=bauamt] li.ticket[data-number="BA-002"]`, chromedp.ByQuery))
	step(t, b, "the join link in the window leads to the waiting room at place 1", chromedp.Navigate("about:blank"), chromedp.Navigate(joinHref),
		chromedp.WaitVisible("#number", chromedp.ByID), chromedp.Poll(`location.pathname.startsWith('/wait/') && document.getElementById('place') && document.getElementById('place').textContent === '1'`, nil))
	termin := "Termin " + hhmm
	var firstRow string
	step(t, anna, "Termin at the top of the clerk's queue",
		chromedp.Poll(`(() => { const li = document.querySelector('section[data-office=bauamt] li.ticket');
			return li && li.textContent.includes(`+jsString(termin)+`); })()`, nil),
		chromedp.Text(`section[data-office=bauamt] li.ticket`, &firstRow, chromedp.ByQuery))
	for _, want := range []string{termin, "Carport an der Grundstücksgrenze", "EN"} {
		if !strings.Contains(firstRow, want) {
			t.Errorf("the clerk's first row %q lacks %q", firstRow, want)
		}
	}
}

// waitPoW waits for the element after a request that needs the page's
// proof of work (the search may take long on a busy machine) and names
// the page's error if it does not come.
func waitPoW(t *testing.T, b context.Context, sel string) {
	t.Helper()
	wctx, cancel := context.WithTimeout(b, powWait+pageWait)
	defer cancel()
	if err := chromedp.Run(wctx, chromedp.WaitVisible(sel, chromedp.ByQuery)); err != nil {
		var e string
		chromedp.Run(b, chromedp.Text("#error", &e, chromedp.ByID))
		t.Fatalf("%s not shown: %v (error %q)", sel, err, e)
	}
}
