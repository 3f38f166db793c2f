package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/text/language"

	"github.com/buergerbuero/buergerbuero/appliance/i18n"
)

// TestJoinLinkInTheBrowser: in real Chromium, a clerk watches the console
// while two citizens knock; a booked citizen opens the join link inside
// the window and lands in the waiting room at place 1, and the clerk sees
// "Termin HH:MM" with service and concern at the top of the queue and in
// the knock alert. A link opened two days early shows the slot's date and
// time instead; the day view lists the arrival.
func TestJoinLinkInTheBrowser(t *testing.T) {
	srv := bookableAppliance(t)
	open := newBrowser(t, srv.CertPEM)
	anna, citizen, early := open(), open(), open()
	login(t, anna, srv.URL, "anna", "anna-passwort-123")

	walkIn := newClient(t, srv)
	walkIn.knock("bauamt", "Bauantrag abgeben")
	walkIn.knock("bauamt", "Frage zur Baulast")
	step(t, anna, "two walk-ins in the console",
		chromedp.WaitVisible(`section[data-office=bauamt] li.ticket[data-number="BA-002"]`, chromedp.ByQuery))

	slot := nextSlot()
	hhmm := slot.Format("15:04")
	id, tok := phoneBook(t, srv, "bauamt", slot, "Ausweis verloren")
	var number string
	step(t, citizen, "open the join link in the window",
		chromedp.Navigate(srv.URL+"/a/"+id+"#"+tok),
		chromedp.WaitVisible("#number", chromedp.ByID),
		chromedp.Poll(`location.pathname.startsWith('/wait/') && document.getElementById('place').textContent === '1'`, nil),
		chromedp.Text("#number", &number, chromedp.ByID))
	if number != "BA-003" {
		t.Fatalf("the arrival's number is %q, want BA-003", number)
	}

	termin := "Termin " + hhmm
	var firstRow, alert string
	step(t, anna, "Termin at the top of the queue and in the knock alert",
		chromedp.Poll(`(() => { const li = document.querySelector('section[data-office=bauamt] li.ticket');
			return li && li.dataset.number === 'BA-003' && li.textContent.includes(`+jsString(termin)+`); })()`, nil),
		chromedp.Text(`section[data-office=bauamt] li.ticket`, &firstRow, chromedp.ByQuery),
		chromedp.WaitVisible("#knock-alert", chromedp.ByID),
		chromedp.Text("#knock-alert", &alert, chromedp.ByID))
	for _, want := range []string{termin, "Personalausweis", "Ausweis verloren"} {
		if !strings.Contains(firstRow, want) {
			t.Errorf("first row %q lacks %q", firstRow, want)
		}
	}
	if !strings.Contains(alert, termin) || !strings.Contains(alert, "BA-003") {
		t.Errorf("knock alert %q, want %q and BA-003", alert, termin)
	}

	// two days early: the page names the slot's date and time
	later := slot.Add(48 * time.Hour)
	lid, ltok := phoneBook(t, srv, "bauamt", later, "")
	cat, err := i18n.Load("")
	if err != nil {
		t.Fatal(err)
	}
	de := cat.Localizer(language.German)
	date, clock := de.FormatDate(later, berlinLoc), de.FormatTime(later, berlinLoc)
	var msg string
	step(t, early, "open the join link two days early",
		chromedp.Navigate(srv.URL+"/a/"+lid+"?lang=de#"+ltok),
		chromedp.WaitVisible("#error", chromedp.ByID),
		chromedp.Text("#error", &msg, chromedp.ByID))
	if !strings.Contains(msg, date) || !strings.Contains(msg, clock+" Uhr") {
		t.Fatalf("early message %q, want the date %q and time %q", msg, date, clock)
	}

	var rows string
	step(t, anna, "day view",
		chromedp.Navigate(srv.URL+"/staff/appointments?office=bauamt&day="+slot.Format("2006-01-02")),
		chromedp.WaitVisible(`tr[data-appointment="`+id+`"][data-state=arrived]`, chromedp.ByQuery),
		chromedp.Text(`tr[data-appointment="`+id+`"]`, &rows, chromedp.ByQuery))
	if !strings.Contains(rows, "BA-003") || !strings.Contains(rows, "Ausweis verloren") {
		t.Errorf("day view row %q", rows)
	}
}
