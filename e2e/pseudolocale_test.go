package e2e

import (
	"encoding/json"
	"html"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
	"github.com/buergerbuero/buergerbuero/appliance/i18n"
)

var (
	scriptOrStyle = regexp.MustCompile(`(?s)<script\b[^>]*>.*?</script>|<style\b[^>]*>.*?</style>|<!--.*?-->`)
	tagRE         = regexp.MustCompile(`<[^>]*>`)
	labelAttr     = regexp.MustCompile(`\s(aria-label|title|placeholder|alt)="([^"]*)"`)
	stringsBlock  = regexp.MustCompile(`(?s)<script type="application/json" id="i18n">(.*?)</script>`)
	// no words: punctuation, symbols, figures and space
	noWords = regexp.MustCompile(`^[\p{P}\p{S}\p{N}\s]*$`)
	// a configuration field named to the operator (site.privacy.controller)
	configField = regexp.MustCompile(`^[a-z_]+(\.[a-z_]+)+$`)
)

// hardCoded lists the texts of a rendered page (text nodes, labels, the
// page scripts' strings) that are not pseudo-locale text, leaving out
// data: names from the configuration, the language switcher's
// self-names, figures and punctuation.
func hardCoded(body string, data []string) []string {
	ok := func(s string) bool {
		s = strings.TrimSpace(html.UnescapeString(s))
		if s == "" || noWords.MatchString(s) || configField.MatchString(s) || strings.Contains(s, i18n.PseudoOpen) {
			return true
		}
		// data, maybe after punctuation (": Bauamt"); data may end in
		// punctuation itself (a one-time password "…js_")
		trim := func(s string) string {
			return strings.TrimFunc(s, func(r rune) bool { return unicode.IsPunct(r) || unicode.IsSpace(r) })
		}
		s = trim(s)
		for _, d := range data {
			if s == trim(d) {
				return true
			}
		}
		return false
	}
	var bad []string
	for _, m := range labelAttr.FindAllStringSubmatch(body, -1) {
		if !ok(m[2]) {
			bad = append(bad, m[1]+"="+m[2])
		}
	}
	if m := stringsBlock.FindStringSubmatch(body); m != nil {
		var strs map[string]string
		if err := json.Unmarshal([]byte(m[1]), &strs); err != nil {
			bad = append(bad, "strings block: "+err.Error())
		}
		for k, v := range strs {
			if k != "lang" && k != "digits" && !strings.HasPrefix(v, i18n.PseudoOpen) {
				bad = append(bad, "script string "+k+"="+v)
			}
		}
	} else {
		bad = append(bad, "no strings block")
	}
	text := scriptOrStyle.ReplaceAllString(body, "")
	text = strings.TrimPrefix(text, "<!doctype html>")
	for _, seg := range tagRE.Split(text, -1) {
		if !ok(seg) {
			bad = append(bad, strings.TrimSpace(seg))
		}
	}
	return bad
}

// TestPseudoLocaleFindsNoHardCodedText renders every citizen page, the
// staff pages and the console in the pseudo-locale (every catalogue text
// accented, bracketed ⟦…⟧ and 40 % longer): any text outside the
// brackets did not come from the catalogue. Office names, the site name
// and the languages' own names are data and stay as they are.
func TestPseudoLocaleFindsNoHardCodedText(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true, PseudoLocale: true, Configure: configureBooking})
	data := []string{srv.Config.Site.Name, bookingService.Name, bookingService.WhatToBring}
	for _, o := range srv.Config.Offices {
		data = append(data, o.Name, o.Description)
	}
	for _, tag := range i18n.Citizen {
		data = append(data, i18n.SelfName(tag))
	}
	for _, l := range []string{"pl", "uk"} { // conversation languages
		data = append(data, l)
	}
	staff := newClient(t, srv)
	staff.login("anna", "anna-passwort-123")
	citizen := srv.Client()
	for _, lang := range []string{"de", "ar"} {
		for _, p := range append(citizenPages, "/offices/nosuch", "/offices/buergerbuero/book", "/staff/login") {
			res, body := fetchPage(t, citizen, srv.URL+p+"?lang="+lang, nil)
			if res.StatusCode >= 500 {
				t.Fatalf("%s: %d", p, res.StatusCode)
			}
			for _, s := range hardCoded(body, data) {
				t.Errorf("%s?lang=%s shows text that is not from the catalogue: %q", p, lang, s)
			}
		}
	}
	for _, p := range []string{"/staff", "/staff/password", "/staff/appointments"} {
		_, body := fetchPage(t, staff.http, srv.URL+p, nil)
		if !strings.Contains(body, `id="console"`) && p == "/staff" {
			t.Fatalf("%s did not render the console: %.300s", p, body)
		}
		if !strings.Contains(body, `id="dayview"`) && p == "/staff/appointments" {
			t.Fatalf("%s did not render the day view: %.300s", p, body)
		}
		for _, s := range hardCoded(body, data) {
			t.Errorf("%s shows text that is not from the catalogue: %q", p, s)
		}
	}
}
