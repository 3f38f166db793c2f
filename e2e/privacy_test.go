package e2e

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
	"github.com/buergerbuero/buergerbuero/appliance/config"
)

// get fetches a page and returns status and body.
func get(t *testing.T, c *http.Client, url string) (int, string) {
	t.Helper()
	res, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestPrivacyPageFromConfig: the privacy page names the configured
// controller, data-protection officer and supervisory authority, and
// states each office's retention as configured (site default, an office's
// own, a confidential office's content deleted at the end), in German and
// English; the camera consent no longer claims media goes directly to the
// participants.
func TestPrivacyPageFromConfig(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true, Configure: func(c *config.Config) {
		c.Site.Privacy = config.Privacy{Controller: "Kreis Teststadt, vertreten durch den Landrat", ControllerAddress: "Am Markt 1, 99999 Teststadt",
			DPOName: "Dora Datenschutz", DPOEmail: "dsb@teststadt.example", SupervisoryAuthority: "Landesbeauftragte für Datenschutz Testland"}
		c.Offices[1].Retention = &config.Retention{Content: config.Duration{Duration: 2 * time.Hour}, Personal: config.Duration{Duration: 30 * 24 * time.Hour}}
		c.Offices[2].Confidential = true
		c.Offices[2].Name = "Schwangerschaftskonfliktberatung"
		c.Offices[1].Services = []config.Service{{ID: "beratung", Name: "Bauberatung", Duration: config.Duration{Duration: 30 * time.Minute}, Mode: "booking"}}
		c.Appointments.Retention = config.Duration{Duration: 3 * 24 * time.Hour}
	}})
	c := srv.Client()
	row := func(body, office string) string {
		m := regexp.MustCompile(`(?s)<tr data-office-name="` + regexp.QuoteMeta(office) + `">(.*?)</tr>`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("privacy page has no retention row for %s", office)
		}
		return regexp.MustCompile(`<[^>]+>`).ReplaceAllString(m[1], " ")
	}
	for _, tc := range []struct {
		path  string
		wants []string
		rows  map[string][]string
	}{
		{"/datenschutz", []string{"Art. 13", "Kreis Teststadt, vertreten durch den Landrat", "Am Markt 1", "Dora Datenschutz", "dsb@teststadt.example",
			"Landesbeauftragte für Datenschutz Testland", "Art. 6 Abs. 1 Buchst. e", "nichts aufgezeichnet", "keine Weitergabe an Dritte", "Art. 15",
			"Bei einer Terminbuchung:", "Kontaktdaten und Anliegen werden 3 Tage nach dem Termin gelöscht.",
			"Zeichnungen auf der gemeinsamen Tafel", "Live-Untertitel", "sobald die letzte Person den Raum verlassen hat", "ohne Konto und ohne Namen",
			"Chat, Dateien, Tafel und Notizen werden gelöscht"},
			map[string][]string{"Bürgerbüro": {"am Ende der Beratung", "24 Stunden nach dem Ende"}, "Bauamt": {"2 Stunden nach dem Ende", "30 Tage nach dem Ende"},
				"Schwangerschaftskonfliktberatung": {"vertrauliche Beratung", "am Ende der Beratung", "Kein Name nötig"}}},
		{"/privacy?lang=en", []string{"Art. 13", "Kreis Teststadt", "Dora Datenschutz", "dsb@teststadt.example", "Art. 6(1)(e)", "Nothing is recorded", "third parties",
			"Contact data and concern are deleted 3 days after the appointment.",
			"drawings on the shared whiteboard", "as soon as the last person has left", "without an account and without a name"},
			map[string][]string{"Bürgerbüro": {"at the end of the consultation", "24 hours after the end"}, "Bauamt": {"2 hours after the end", "30 days after the end"},
				"Schwangerschaftskonfliktberatung": {"confidential counselling", "No name needed"}}},
	} {
		code, body := get(t, c, srv.URL+tc.path)
		if code != 200 {
			t.Fatalf("GET %s: %d", tc.path, code)
		}
		for _, w := range tc.wants {
			if !strings.Contains(body, w) {
				t.Errorf("%s does not say %q", tc.path, w)
			}
		}
		for office, wants := range tc.rows {
			r := row(body, office)
			for _, w := range wants {
				if !strings.Contains(r, w) {
					t.Errorf("%s, retention of %s: %q lacks %q", tc.path, office, r, w)
				}
			}
		}
	}
	// the camera consent's words come with the room page (its strings
	// block, from the catalogue); media.js links the privacy page
	_, de := get(t, c, srv.URL+"/room/r_x")
	_, en := get(t, c, srv.URL+"/room/r_x?lang=en")
	_, js := get(t, c, srv.URL+"/static/media.js")
	if strings.Contains(de, "direkt an die Gesprächsteilnehmenden") || strings.Contains(en, "to the participants only") {
		t.Error("the camera consent still says media goes directly to the participants")
	}
	if !strings.Contains(de, "eigenen Server") || !strings.Contains(en, "own server") || !strings.Contains(js, "/datenschutz") {
		t.Error("the camera consent does not say media goes to the administration's own server, or does not link the privacy page")
	}
}
