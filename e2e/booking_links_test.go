package e2e

import (
	"strings"
	"testing"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
	"github.com/buergerbuero/buergerbuero/appliance/config"
	"github.com/buergerbuero/buergerbuero/appliance/i18n"
)

// TestPagesLinkIntoBooking: an office with bookable services links to its
// booking page from the office list, the widget (in a new tab) and its
// knock page, closed ("closed"), open and nobody on duty; an office
// without services never does, and its booking page says there is
// nothing to book.
func TestPagesLinkIntoBooking(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true, Configure: func(c *config.Config) {
		configureBooking(c) // Bauamt: closed today, bookable
		for i := range c.Offices {
			if c.Offices[i].ID == "auslaenderbehoerde" { // open, nobody on duty, bookable
				c.Offices[i].Services = []config.Service{bookingService}
				c.Offices[i].Appointments.Chairs = map[string]int{"mon": 1}
			}
		}
	}})
	c := srv.Client()
	link := func(office string) string { return `href="/offices/` + office + `/book"` }
	for _, p := range []string{"/", "/embed"} {
		_, body := fetchPage(t, c, srv.URL+p+"?lang=de", nil)
		for _, o := range []string{"bauamt", "auslaenderbehoerde"} {
			if !strings.Contains(body, link(o)) {
				t.Errorf("%s does not link to the booking of %s", p, o)
			}
		}
		if strings.Contains(body, link("buergerbuero")) {
			t.Errorf("%s links to the booking of an office without services", p)
		}
		if p == "/embed" && !strings.Contains(body, link("bauamt")+` target="_blank"`) {
			t.Error("the widget's booking link does not open a new tab")
		}
	}
	for office, want := range map[string]bool{"bauamt": true, "auslaenderbehoerde": true, "buergerbuero": false} {
		_, body := fetchPage(t, c, srv.URL+"/offices/"+office+"?lang=de", nil)
		if got := strings.Contains(body, link(office)); got != want {
			t.Errorf("knock page of %s links to booking: %v, want %v", office, got, want)
		}
	}
	_, body := fetchPage(t, c, srv.URL+"/offices/bauamt?lang=de", nil)
	if !strings.Contains(body, "Termin buchen") {
		t.Error("the closed office's knock page does not offer booking in German")
	}
	// the booking page in every language fills every placeholder
	for _, tag := range i18n.Citizen {
		_, body := fetchPage(t, c, srv.URL+"/offices/bauamt/book?lang="+tag.String(), nil)
		if strings.Contains(body, "&lt;no value&gt;") || !strings.Contains(body, `id="book"`) {
			t.Errorf("booking page in %s: a placeholder without value, or no form", tag)
		}
	}
	res, body := fetchPage(t, c, srv.URL+"/offices/buergerbuero/book?lang=en", nil)
	if res.StatusCode != 200 || !strings.Contains(body, "does not take online bookings") || strings.Contains(body, `id="book"`) {
		t.Errorf("booking page of an office without services: %d", res.StatusCode)
	}
	if res, _ := fetchPage(t, c, srv.URL+"/offices/nosuch/book", nil); res.StatusCode != 404 {
		t.Errorf("booking page of an unknown office: %d", res.StatusCode)
	}
}
