package web

import (
	"regexp"
	"testing"
)

// TestFormsNeverSubmitByGET: a form the script has not taken over yet (slow
// phone, Enter pressed early) must not put what the citizen typed (concern,
// chat, notes) into a URL, where proxy logs keep it. Every form posts.
func TestFormsNeverSubmitByGET(t *testing.T) {
	form := regexp.MustCompile(`<form\b[^>]*>`)
	method := regexp.MustCompile(`\bmethod="(post|dialog)"`)
	for f, s := range sources(t, "templates/*.html") {
		for _, tag := range form.FindAllString(s, -1) {
			if !method.MatchString(tag) {
				t.Errorf("%s: %s submits by GET", f, tag)
			}
		}
	}
}
