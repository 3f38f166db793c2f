package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/buergerbuero/buergerbuero/appliance/appointments"
	"github.com/buergerbuero/buergerbuero/appliance/apptest"
	"github.com/buergerbuero/buergerbuero/appliance/config"
	"github.com/buergerbuero/buergerbuero/appliance/notify"
)

// TestWaitlistInBrowser: tomorrow's only slot is booked; the booking page
// says the day is full and offers the waitlist; the citizen joins it
// (proof of work in the page, code from the outbox); when the booking is
// cancelled, the offer's link opens /w/{id}, and accepting it books the
// slot, shown in the page's language and the site's time zone; its cancel
// link cancels and the slot is back in the calendar.
func TestWaitlistInBrowser(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true, Configure: func(c *config.Config) {
		configureBooking(c)
		for i := range c.Offices {
			if c.Offices[i].ID == "bauamt" {
				for d := range c.Offices[i].Hours {
					c.Offices[i].Hours[d] = []string{"08:00-08:30"} // one slot
				}
			}
		}
	}})
	db := outboxDB(t, srv)
	ctx := context.Background()

	// somebody books the only slot
	loc, _ := time.LoadLocation("Europe/Berlin")
	now := time.Now().In(loc)
	slot := time.Date(now.Year(), now.Month(), now.Day()+1, 8, 0, 0, 0, loc)
	h, err := srv.App.Book.Hold(ctx, appointments.HoldRequest{Office: "bauamt", Service: "beratung", Start: slot, Contact: "erster@example.org", Lang: "de"})
	if err != nil {
		t.Fatal(err)
	}
	first, err := srv.App.Book.Confirm(ctx, h.ID, outboxMessage(t, db, notify.KindCode, "erster@example.org").Code)
	if err != nil {
		t.Fatal(err)
	}

	b := newBrowser(t, srv.CertPEM)()
	const contact = "+49 171 7654321"
	var status string
	step(t, b, "the day is full and offers the waitlist", chromedp.Navigate(srv.URL+"/offices/bauamt/book?lang=en"),
		chromedp.WaitVisible("#waitlist", chromedp.ByID), chromedp.Text("#slots-status", &status, chromedp.ByID))
	if !strings.Contains(status, "fully booked") {
		t.Errorf("slot status %q, want the day fully booked (in English)", status)
	}
	step(t, b, "join the waitlist", chromedp.SendKeys("#contact", contact, chromedp.ByID), chromedp.Click("#join-waitlist", chromedp.ByID))
	waitPoW(t, b, "#code-step")
	code := outboxMessage(t, db, notify.KindCode, "+491717654321")
	if code.Lang != "en" {
		t.Errorf("the waitlist code message is in %q, want the page's language en", code.Lang)
	}
	step(t, b, "confirm the entry", chromedp.SendKeys("#code", code.Code, chromedp.ByID),
		chromedp.Click("#code-form button[type=submit]", chromedp.ByQuery), chromedp.WaitVisible("#waited", chromedp.ByID))

	// the booking is cancelled: the chair goes to the waiting citizen
	if err := srv.App.Book.Cancel(ctx, first.ID, first.CancelToken); err != nil {
		t.Fatal(err)
	}
	offer := outboxMessage(t, db, notify.KindWaitlistOffer, "+491717654321")
	path := strings.TrimPrefix(offer.AcceptURL, srv.URL)
	if !strings.HasPrefix(path, "/w/") || !strings.Contains(path, "#") {
		t.Fatalf("offer link %q", offer.AcceptURL)
	}
	var done, cancelHref string
	step(t, b, "accept the offer", chromedp.Navigate(srv.URL+path), chromedp.Click("#offer-accept", chromedp.ByID),
		chromedp.WaitVisible("#offer-done", chromedp.ByID), chromedp.Text("#offer-done-text", &done, chromedp.ByID),
		chromedp.AttributeValue("#offer-cancel", "href", &cancelHref, nil, chromedp.ByID))
	if !strings.Contains(done, "8:00") || !strings.Contains(done, slot.Format("January")) {
		t.Errorf("offer accepted: %q, want the slot %s", done, slot.Format("Monday, 2 January 15:04"))
	}
	if !strings.Contains(cancelHref, "/cancel#") {
		t.Errorf("no cancel link after accepting: %q", cancelHref)
	}
	// the same link again: the offer is gone, the page says so
	var errText string
	step(t, b, "the offer link a second time", chromedp.Navigate("about:blank"), chromedp.Navigate(srv.URL+path), chromedp.Click("#offer-accept", chromedp.ByID),
		chromedp.WaitVisible("#error", chromedp.ByID), chromedp.Text("#error", &errText, chromedp.ByID))
	if !strings.Contains(errText, "offer") {
		t.Errorf("accepting twice: error %q, want the offer gone (in English)", errText)
	}

	// the cancel link of the accepted offer gives the slot back to the calendar
	step(t, b, "cancel with the link", chromedp.Navigate(srv.URL+cancelHref), chromedp.Click("#cancel-confirm", chromedp.ByID),
		chromedp.WaitVisible("#cancel-done", chromedp.ByID))
	step(t, b, "the slot is offered again", chromedp.Navigate(srv.URL+"/offices/bauamt/book"),
		chromedp.Poll(`[...document.querySelectorAll('#slots input')].some((i) => new Date(i.value).getTime() === `+itoa(int(slot.UnixMilli()))+`)`, nil))
}
