// Package text cleans and checks the free text people type (a concern, a
// name, a chat message, a question): control characters and broken UTF-8
// go, line breaks and tabs stay, and lengths are counted in characters
// (runes) with a domain error naming the field.
package text

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/buergerbuero/buergerbuero/appliance/problem"
)

// Clean drops control characters (except newline and tab) and invalid
// UTF-8, and trims surrounding space.
func Clean(s string) string {
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if unicode.IsControl(r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, s))
}

// CheckLen refuses v when it has fewer than min or more than max
// characters: problem code invalid with reason too_short or too_long.
func CheckLen(field, v string, min, max int) error {
	n := utf8.RuneCountInString(v)
	if n < min {
		return problem.Invalid(field, "too_short", map[string]any{"Count": min})
	}
	if n > max {
		return problem.Invalid(field, "too_long", map[string]any{"Count": max, "Now": n})
	}
	return nil
}
