package e2e

import (
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
	"github.com/buergerbuero/buergerbuero/appliance/config"
	"github.com/buergerbuero/buergerbuero/appliance/i18n"
	"golang.org/x/text/language"
)

// fetchPage fetches path with the given headers and returns the answer.
func fetchPage(t *testing.T, c *http.Client, url string, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

var htmlTag = regexp.MustCompile(`<html lang="([^"]*)" dir="([^"]*)">`)

func langDir(t *testing.T, body string) (string, string) {
	t.Helper()
	m := htmlTag.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("page has no <html lang dir>: %.200s", body)
	}
	return m[1], m[2]
}

// citizenPages are the citizen pages that need no ticket on the server
// side (the waiting room and room pages render, their scripts then find
// the ticket gone).
var citizenPages = []string{"/", "/offices/buergerbuero", "/wait/t_none", "/room/r_none", "/join/x", "/datenschutz", "/embed", "/a/a_none",
	"/offices/bauamt/book", "/a/a_none/cancel", "/w/a_none"}

// TestArabicPagesAreRightToLeft: every citizen page asked for in Arabic
// says so in <html lang="ar" dir="rtl">, in Persian too; German is ltr.
func TestArabicPagesAreRightToLeft(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true})
	c := srv.Client()
	for _, p := range citizenPages {
		for _, want := range [][3]string{{"ar", "ar", "rtl"}, {"fa", "fa", "rtl"}, {"de", "de", "ltr"}, {"de-x-ls", "de-x-ls", "ltr"}} {
			sep := "?"
			if strings.Contains(p, "?") {
				sep = "&"
			}
			_, body := fetchPage(t, c, srv.URL+p+sep+"lang="+want[0], nil)
			if l, d := langDir(t, body); l != want[1] || d != want[2] {
				t.Errorf("%s?lang=%s: <html lang=%q dir=%q>, want lang=%q dir=%q", p, want[0], l, d, want[1], want[2])
			}
		}
	}
	// a ticket number stays left-to-right inside the Arabic waiting room
	_, body := fetchPage(t, c, srv.URL+"/wait/t_none?lang=ar", nil)
	if !regexp.MustCompile(`id="number"[^>]*dir="ltr"`).MatchString(body) {
		t.Error("the waiting room's ticket number is not marked left-to-right")
	}
}

// TestBrowserLanguagePreselects: Accept-Language with q-values picks the
// page language (tr before ar;q=0.8 gives Turkish; ar before tr gives
// Arabic); an unsupported language gives German. The staff area speaks
// German or English only.
func TestBrowserLanguagePreselects(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true})
	c := srv.Client()
	for _, tc := range []struct{ accept, want, text string }{
		{"tr, ar;q=0.8", "tr", "Kapıyı çal"},
		{"ar;q=0.9, tr;q=0.8", "ar", "اطرق"},
		{"uk-UA,uk;q=0.9,en;q=0.5", "uk", "Постукати"},
		{"xx, ja;q=0.9", "de", "Anklopfen"},
	} {
		_, body := fetchPage(t, c, srv.URL+"/offices/buergerbuero", map[string]string{"Accept-Language": tc.accept})
		if l, _ := langDir(t, body); l != tc.want || !strings.Contains(body, tc.text) {
			t.Errorf("Accept-Language %q: lang=%q, want %q with %q", tc.accept, l, tc.want, tc.text)
		}
	}
	_, body := fetchPage(t, c, srv.URL+"/staff/login", map[string]string{"Accept-Language": "tr, en;q=0.5"})
	if l, _ := langDir(t, body); l != "en" {
		t.Errorf("staff login with Accept-Language tr, en;q=0.5: lang=%q, want en (the staff area speaks de or en)", l)
	}
}

// TestLanguageSwitcherKeepsChoice: every citizen page offers each language
// by its own name; following a link sets the bb_lang cookie (Lax,
// Secure), and the next pages, without ?lang=, keep the choice over the
// browser's language.
func TestLanguageSwitcherKeepsChoice(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true})
	c := srv.Client()
	c.Jar, _ = cookiejar.New(nil)
	accept := map[string]string{"Accept-Language": "de"}
	for _, p := range citizenPages[:6] {
		_, body := fetchPage(t, c, srv.URL+p, accept)
		for _, tag := range i18n.Citizen {
			link := `href="?lang=` + tag.String() + `" hreflang="` + tag.String() + `" lang="` + tag.String() + `"`
			if !strings.Contains(body, link) || !strings.Contains(body, ">"+i18n.SelfName(tag)+"</a>") {
				t.Errorf("%s: the switcher lacks %s (%s)", p, tag, i18n.SelfName(tag))
			}
		}
	}
	res, _ := fetchPage(t, c, srv.URL+"/?lang=ar", accept)
	var cookie *http.Cookie
	for _, ck := range res.Cookies() {
		if ck.Name == "bb_lang" {
			cookie = ck
		}
	}
	if cookie == nil || cookie.Value != "ar" || !cookie.Secure || cookie.SameSite != http.SameSiteLaxMode {
		t.Fatalf("?lang=ar set the cookie %+v, want bb_lang=ar, Secure, SameSite=Lax", cookie)
	}
	for _, p := range []string{"/offices/bauamt", "/wait/t_none", "/datenschutz"} {
		_, body := fetchPage(t, c, srv.URL+p, accept)
		if l, d := langDir(t, body); l != "ar" || d != "rtl" {
			t.Errorf("%s after choosing Arabic: lang=%q dir=%q", p, l, d)
		}
		if !strings.Contains(body, `lang="ar" dir="rtl" aria-current="true"`) {
			t.Errorf("%s: the switcher does not mark Arabic as the current language", p)
		}
	}
	// the conversation language is a separate choice: the Turkish page of
	// the Ausländerbehörde still offers its own conversation languages
	_, body := fetchPage(t, c, srv.URL+"/offices/auslaenderbehoerde?lang=tr", nil)
	sel := regexp.MustCompile(`(?s)<select id="language".*?</select>`).FindString(body)
	for _, want := range []string{`value="de"`, `value="en"`, `value="ar"`, "Deutsch", "English", "العربية"} {
		if !strings.Contains(sel, want) {
			t.Errorf("Turkish knock page: the conversation languages %q lack %q", sel, want)
		}
	}
	// the page language preselects the conversation language where the
	// office speaks it: an Arabic reader is not put down as German
	_, body = fetchPage(t, c, srv.URL+"/offices/auslaenderbehoerde?lang=ar", nil)
	sel = regexp.MustCompile(`(?s)<select id="language".*?</select>`).FindString(body)
	if !regexp.MustCompile(`<option value="ar"[^>]*\bselected\b`).MatchString(sel) || strings.Count(sel, "selected") != 1 {
		t.Errorf("Arabic knock page: Arabic is not the one preselected conversation language: %s", sel)
	}
}

// TestCountyOverrideChangesPageText: a file in site.locale_dir changes a
// citizen-facing text of the knock page without a rebuild, in the
// language it names; the other languages keep the built-in text.
func TestCountyOverrideChangesPageText(t *testing.T) {
	dir := t.TempDir()
	override := map[string]string{"knock.intro": "Schreiben Sie uns kurz, worum es geht. Das Bürgertelefon hilft unter 0800 123."}
	b, _ := json.Marshal(override)
	if err := os.WriteFile(filepath.Join(dir, "de.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true, Configure: func(c *config.Config) { c.Site.LocaleDir = dir }})
	c := srv.Client()
	_, de := fetchPage(t, c, srv.URL+"/offices/buergerbuero", nil)
	if !strings.Contains(html.UnescapeString(de), override["knock.intro"]) {
		t.Error("the German knock page does not show the county's text")
	}
	_, en := fetchPage(t, c, srv.URL+"/offices/buergerbuero?lang=en", nil)
	if strings.Contains(html.UnescapeString(en), "0800 123") || !strings.Contains(en, "Briefly describe your concern") {
		t.Error("the English knock page changed, though the override is German only")
	}
}

// TestUnknownAddressIsAPageInTheReadersLanguage: a mistyped address gets
// the site's own "not found" page (404) in the reader's language with the
// way back, not a bare English text; a page used with a wrong method gets
// 405, and the browser's favicon request finds the icon.
func TestUnknownAddressIsAPageInTheReadersLanguage(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true})
	c := srv.Client()
	cat, err := i18n.Load("")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ accept, lang, title string }{
		{"de", "de", cat.Localizer(language.German).T("notfound.title", nil)},
		{"ar", "ar", cat.Localizer(language.Arabic).T("notfound.title", nil)},
	} {
		res, body := fetchPage(t, c, srv.URL+"/aemter/bauamt", map[string]string{"Accept-Language": tc.accept})
		if res.StatusCode != http.StatusNotFound || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("%s: unknown address: %d %s, want 404 text/html", tc.accept, res.StatusCode, res.Header.Get("Content-Type"))
		}
		if lang, _ := langDir(t, body); lang != tc.lang || !strings.Contains(html.UnescapeString(body), tc.title) || !strings.Contains(body, `href="/"`) {
			t.Fatalf("%s: not-found page in %q without title %q or a way back: %.300s", tc.accept, lang, tc.title, body)
		}
	}
	req, _ := http.NewRequest("POST", srv.URL+"/datenschutz", strings.NewReader("x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if res, err := c.Do(req); err != nil || res.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("POST to a page: %v %v, want 405", res, err)
	}
	res, body := fetchPage(t, c, srv.URL+"/favicon.ico", nil)
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/svg+xml" || !strings.Contains(body, "<svg") {
		t.Fatalf("favicon: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
}

// TestOfficeTextsKeepTheirLanguage: on an Arabic page the county's German
// office names and descriptions are marked lang="de" with their own
// direction, so a screen reader reads them in German and the punctuation
// of a left-to-right text does not jump inside the right-to-left page.
func TestOfficeTextsKeepTheirLanguage(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true, Configure: func(c *config.Config) {
		c.Offices[0].Description = "Personalausweis, Reisepass, Meldebescheinigung."
	}})
	_, body := fetchPage(t, srv.Client(), srv.URL+"/?lang=ar", nil)
	if lang, dir := langDir(t, body); lang != "ar" || dir != "rtl" {
		t.Fatalf("office list in Arabic: lang %q dir %q", lang, dir)
	}
	desc := regexp.MustCompile(`<p lang="de" dir="auto">[^<]*Personalausweis`)
	name := regexp.MustCompile(`<h2 lang="de" dir="auto">Bürgerbüro</h2>`)
	if !desc.MatchString(body) || !name.MatchString(body) {
		t.Fatalf("the German office texts on the Arabic page are not marked as German:\n%s", body)
	}
}
