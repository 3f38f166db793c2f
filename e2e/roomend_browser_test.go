package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
)

// TestInvitedParticipantSeesTheEnd: when the clerk ends the consultation,
// an invited guardian's page says the consultation has ended and hides the
// chat, instead of "connection lost, reconnecting" for ever; this holds
// without video too (no media connection whose end could tell them).
func TestInvitedParticipantSeesTheEnd(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true})
	anna := staffAs(t, srv, "anna")
	_, ticketID, room := admitted(t, srv, anna, "buergerbuero", map[string]string{"concern": "Betreuung", "language": "de"})
	link := inviteAs(t, anna, room, "guardian", "de", "Petra Vogt")
	guardian := newBrowser(t, srv.CertPEM)()
	joinByLink(t, guardian, link)
	step(t, guardian, "in the room", chromedp.WaitVisible("#chat-form", chromedp.ByID))
	if st := anna.do("POST", "/api/v1/staff/tickets/"+ticketID+"/end", map[string]any{}, nil); st != 200 {
		t.Fatalf("end: %d", st)
	}
	var state string
	step(t, guardian, "the page says the end", chromedp.WaitNotVisible("#chat-form", chromedp.ByID),
		chromedp.Poll(`document.getElementById('state').textContent.includes('beendet')`, nil), chromedp.Text("#state", &state, chromedp.ByID))
	t.Logf("state: %q", state)
}
