package web

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/language"

	"github.com/buergerbuero/buergerbuero/appliance/i18n"
)

// sources reads the files matching the patterns into one string each.
func sources(t *testing.T, patterns ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, p := range patterns {
		files, err := filepath.Glob(p)
		if err != nil || len(files) == 0 {
			t.Fatalf("no files for %s: %v", p, err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			out[f] = string(b)
		}
	}
	return out
}

// TestEveryPageKeyIsUsedAndExists: each text of the page areas (pages,
// staff, privacy and the js.* strings) is looked up somewhere, by a
// template, the web package's Go code or a page script; and every key a
// template or script looks up exists. Error messages (error.*, looked up
// by problem codes) and format patterns (format.*, used by the i18n
// package) have their own tests.
func TestEveryPageKeyIsUsedAndExists(t *testing.T) {
	cat, err := i18n.Load("")
	if err != nil {
		t.Fatal(err)
	}
	ids := cat.IDs(language.German)
	tmpl := sources(t, "templates/*.html")
	// the room notices' keys are named by the consultation, which stores
	// them; the web renders them (notices.go)
	gocode := sources(t, "*.go", "../consultation/notice.go")
	js := sources(t, "static/*.js")
	all := func(m map[string]string) string {
		var b strings.Builder
		for _, s := range m {
			b.WriteString(s)
		}
		return b.String()
	}
	tmplAll, goAll, jsAll := all(tmpl), all(gocode), all(js)

	used := func(id string) bool {
		switch {
		case strings.HasPrefix(id, "error.") || strings.HasPrefix(id, "format.") || strings.HasPrefix(id, "bridge.") || strings.HasPrefix(id, "notify."):
			// error codes, format patterns, the Matrix bridge's texts and
			// the e-mail and SMS texts have their own tests (problem, i18n,
			// matrixbridge/connector, notify)
			return true
		case strings.HasPrefix(id, "js.media."):
			k := strings.TrimPrefix(id, "js.media.")
			return regexp.MustCompile(`\bt\.` + k + `\b|'` + k + `'`).MatchString(js["static/media.js"])
		case strings.HasPrefix(id, "js."):
			k := regexp.QuoteMeta(strings.TrimPrefix(id, "js."))
			return regexp.MustCompile(`\bS\.` + k + `\b|'` + k + `'`).MatchString(jsAll)
		case strings.HasPrefix(id, "reason."):
			// the office's reason code picks the text: printf "reason.%s"
			return strings.Contains(tmplAll, `printf "reason.%s"`)
		}
		return strings.Contains(tmplAll, `"`+id+`"`) || strings.Contains(goAll, `"`+id+`"`)
	}
	for _, id := range ids {
		if !used(id) {
			t.Errorf("catalogue key %q is used by no template, page script or Go code of package web", id)
		}
	}

	// every key a template looks up exists
	lookup := regexp.MustCompile(`\{\{t \$?[\w.]* "([^"]+)"`)
	for f, s := range tmpl {
		for _, m := range lookup.FindAllStringSubmatch(s, -1) {
			if !slices.Contains(ids, m[1]) {
				t.Errorf("%s looks up %q, which is not in the catalogue", f, m[1])
			}
		}
	}
	// every string a page script reads exists (S.name, plural('name', …))
	jsLookup := regexp.MustCompile(`\bS\.(\w+)|plural\('(\w+)'`)
	for f, s := range js {
		for _, m := range jsLookup.FindAllStringSubmatch(s, -1) {
			k := m[1] + m[2]
			if k == "lang" || k == "digits" {
				continue // the page language and its digits, set by render
			}
			if !slices.Contains(ids, "js."+k) {
				t.Errorf("%s reads the string %q, which is not in the catalogue as js.%s", f, k, k)
			}
		}
	}
}

// TestNoStringTablesInScripts: the page scripts take their words from the
// catalogue; a table of German or English texts in a script would be a
// second catalogue that the languages and county overrides miss.
func TestNoStringTablesInScripts(t *testing.T) {
	for f, s := range sources(t, "static/*.js") {
		for _, word := range []string{"Verbunden", "Kamera", "Warteraum", "Beratung", "Datenschutz", "Connected", "Privacy notice", "Camera"} {
			for _, line := range strings.Split(s, "\n") {
				code, _, _ := strings.Cut(line, "//")
				if strings.Contains(code, word) {
					t.Errorf("%s has page text in code: %q", f, strings.TrimSpace(line))
				}
			}
		}
	}
}
