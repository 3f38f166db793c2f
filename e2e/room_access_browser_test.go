package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
)

// TestRoomPageSaysWhenItIsNotOpen: someone who opens a room's address
// without being let in (a forwarded link, an old tab) reads that the room
// is not open to them and why, with the way back, not "please sign in";
// a clerk who reopens a consultation that has ended sees that it ended and
// the way to the queue, and nothing asks for the camera.
func TestRoomPageSaysWhenItIsNotOpen(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true})
	open := newBrowser(t, srv.CertPEM)
	stranger, clerk := open(), open()

	api := newClient(t, srv)
	api.login("anna", srv.Clerks[0].Password)
	k := api.knock("buergerbuero", "Meldebescheinigung")
	var admitted struct {
		RoomID string `json:"room_id"`
	}
	if st := api.do("POST", "/api/v1/staff/tickets/"+k.ID+"/admit", nil, &admitted); st != 200 || admitted.RoomID == "" {
		t.Fatalf("admit: %d %+v", st, admitted)
	}

	var text string
	var roomShown bool
	step(t, stranger, "open the room without being let in", chromedp.Navigate(srv.URL+"/room/"+admitted.RoomID+"?lang=de"),
		chromedp.WaitVisible("#no-access", chromedp.ByID),
		chromedp.Text("#no-access", &text, chromedp.ByID),
		chromedp.Evaluate(`!document.getElementById('room').hidden`, &roomShown))
	if !strings.Contains(text, "nicht (mehr) offen") || strings.Contains(text, "Bitte melden Sie sich an") || roomShown {
		t.Fatalf("a stranger reads %q (room shown %v)", text, roomShown)
	}

	if st := api.do("POST", "/api/v1/staff/tickets/"+k.ID+"/end", nil, nil); st != 200 {
		t.Fatalf("end: %d", st)
	}
	login(t, clerk, srv.URL, "anna", srv.Clerks[0].Password)
	var state string
	var consent bool
	step(t, clerk, "reopen the ended consultation", chromedp.Navigate(srv.URL+"/room/"+admitted.RoomID+"?lang=de"),
		chromedp.WaitVisible(`[data-action=console]`, chromedp.ByQuery),
		chromedp.Text("#state", &state, chromedp.ByID),
		chromedp.Evaluate(`!!document.querySelector('button[data-action="consent"]')`, &consent))
	if !strings.Contains(state, "beendet") || consent {
		t.Fatalf("ended consultation: state %q, camera consent offered %v", state, consent)
	}
}
