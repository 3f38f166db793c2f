package e2e

import (
	"encoding/json"
	"html"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
)

// TestDemoBookingLoopThroughItsMailbox tries the demo's booking as a new
// user would, with no mail relay anywhere: the Bürgerbüro offers services,
// a held slot's code appears in the demo mailbox the demo prints, the
// code confirms the booking, and the confirmation with the join link
// arrives there too.
func TestDemoBookingLoopThroughItsMailbox(t *testing.T) {
	d := apptest.StartDemo(t, apptest.FreePort(t))
	if !strings.Contains(d.Summary, "/demo/mailbox") {
		t.Fatalf("the demo does not print its mailbox:\n%s", d.Summary)
	}
	hc := d.Client()
	var services struct{ Services []struct{ ID string } }
	getJSON(t, hc, d.URL+"/api/v1/offices/buergerbuero/services", &services)
	if len(services.Services) == 0 {
		t.Fatal("the demo's Bürgerbüro offers no bookable service")
	}
	svc := services.Services[0].ID
	var slots struct{ Slots []struct{ Start time.Time } }
	from := time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)
	getJSON(t, hc, d.URL+"/api/v1/offices/buergerbuero/services/"+svc+"/slots?from="+strings.ReplaceAll(from, "+", "%2B"), &slots)
	if len(slots.Slots) == 0 {
		t.Fatalf("no slot for %s from %s", svc, from)
	}
	mailbox := func() string {
		t.Helper()
		req, _ := http.NewRequest("GET", d.URL+"/demo/mailbox", nil)
		req.Header.Set("Accept-Language", "de")
		res, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			t.Fatalf("mailbox: %d", res.StatusCode)
		}
		return html.UnescapeString(string(b))
	}
	if !strings.Contains(mailbox(), `id="mailbox-empty"`) {
		t.Fatal("a fresh demo's mailbox is not empty")
	}
	body := `{"service":"` + svc + `","start":"` + slots.Slots[0].Start.Format(time.RFC3339) + `","contact":"erika@example.org","language":"de","proof_of_work":"` + solvePoW(t, hc, d.URL) + `"}`
	res, err := hc.Post(d.URL+"/api/v1/offices/buergerbuero/holds", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var hold struct{ ID string }
	json.NewDecoder(res.Body).Decode(&hold)
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("hold: %d", res.StatusCode)
	}
	code := regexp.MustCompile(`\b\d{6}\b`)
	var page string
	waitFor(t, 10*time.Second, "the code e-mail in the demo mailbox", func() bool {
		page = mailbox()
		return strings.Contains(page, "erika@example.org") && code.MatchString(page)
	})
	res, err = hc.Post(d.URL+"/api/v1/holds/"+hold.ID+"/confirm", "application/json", strings.NewReader(`{"code":"`+code.FindString(page)+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("confirm with the code from the mailbox: %d", res.StatusCode)
	}
	waitFor(t, 10*time.Second, "the confirmation with the join link", func() bool {
		return strings.Contains(mailbox(), d.URL+"/a/")
	})
}

func getJSON(t *testing.T, hc *http.Client, url string, v any) {
	t.Helper()
	res, err := hc.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %d", url, res.StatusCode)
	}
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

// TestBookingPageAsksForWhatCanBeReached: without an SMS gateway the
// booking page asks for an e-mail address only (type=email), and never
// suggests a mobile number that would get nothing.
func TestBookingPageAsksForWhatCanBeReached(t *testing.T) {
	d := apptest.StartDemo(t, apptest.FreePort(t))
	res, err := d.Client().Get(d.URL + "/offices/buergerbuero/book?lang=de")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	page := html.UnescapeString(string(b))
	field := regexp.MustCompile(`(?s)<label for="contact">.*?</p>`).FindString(page)
	if !strings.Contains(field, `id="contact" name="contact" type="email"`) || strings.Contains(field, "Handynummer") || !strings.Contains(field, "E-Mail-Adresse") {
		t.Fatalf("booking page without an SMS gateway still asks for a mobile number:\n%s", field)
	}
}

// TestBookingLinkPreselectsItsService: a link to the booking page naming a
// service (as an event's registration link does) opens with that service
// chosen; without one, or with an unknown one, the first is chosen.
func TestBookingLinkPreselectsItsService(t *testing.T) {
	d := apptest.StartDemo(t, apptest.FreePort(t))
	checked := func(query string) string {
		t.Helper()
		res, err := d.Client().Get(d.URL + "/offices/buergerbuero/book" + query)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		m := regexp.MustCompile(`<input type="radio" name="service" id="svc-([a-z-]+)"[^>]* checked`).FindAllStringSubmatch(string(b), -1)
		if len(m) != 1 {
			t.Fatalf("%s: %d services checked, want 1", query, len(m))
		}
		return m[0][1]
	}
	if got := checked("?service=meldebescheinigung"); got != "meldebescheinigung" {
		t.Fatalf("?service=meldebescheinigung opens with %s", got)
	}
	for _, q := range []string{"", "?service=unbekannt"} {
		if got := checked(q); got != "personalausweis" {
			t.Fatalf("%q opens with %s, want the first service", q, got)
		}
	}
}

// TestDemoShowsACitizensHour: the demo prints its events page, which lists
// a planned citizens' hour a new user can open.
func TestDemoShowsACitizensHour(t *testing.T) {
	d := apptest.StartDemo(t, apptest.FreePort(t))
	if !strings.Contains(d.Summary, "/events") {
		t.Fatalf("the demo does not print its events page:\n%s", d.Summary)
	}
	res, err := d.Client().Get(d.URL + "/events?lang=de")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(html.UnescapeString(string(b)), "Bürgersprechstunde der Landrätin") {
		t.Fatalf("events page: %d\n%s", res.StatusCode, b)
	}
}
