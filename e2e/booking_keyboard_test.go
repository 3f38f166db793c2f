package e2e

import (
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
	"github.com/buergerbuero/buergerbuero/appliance/notify"
)

// TestBookingByKeyboard: the booking page works with the keyboard alone:
// the count of free times is announced (a polite live region), Tab reaches
// the first slot and Space picks it, Enter in the form reserves (proof of
// work in the page), the focus moves to the code field, Enter confirms,
// and the focus moves to the confirmation's heading.
func TestBookingByKeyboard(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true, Configure: configureBooking})
	db := outboxDB(t, srv)
	b := newBrowser(t, srv.CertPEM)()
	step(t, b, "focus emulation", emulation.SetFocusEmulationEnabled(true))
	step(t, b, "booking page", chromedp.Navigate(srv.URL+"/offices/bauamt/book?lang=de"), chromedp.WaitVisible("#slots input", chromedp.ByQuery))
	announced(t, b, "20 freie Uhrzeiten an diesem Tag.")
	tabTo(t, b, "#slot-0")
	press(t, b, " ")
	tabTo(t, b, "#contact")
	press(t, b, "tastatur@example.org")
	tabTo(t, b, "#hold")
	press(t, b, kb.Enter)
	waitPoW(t, b, "#code-step")
	var focused string
	step(t, b, "focus on the code", chromedp.Evaluate(`document.activeElement.id`, &focused))
	if focused != "code" {
		t.Fatalf("after reserving the focus is on %q, want #code", focused)
	}
	press(t, b, outboxMessage(t, db, notify.KindCode, "tastatur@example.org").Code)
	press(t, b, kb.Enter)
	step(t, b, "booked", chromedp.WaitVisible("#done", chromedp.ByID), chromedp.Evaluate(`document.activeElement.id`, &focused))
	if focused != "done-title" {
		t.Errorf("after confirming the focus is on %q, want the confirmation's heading", focused)
	}
}
