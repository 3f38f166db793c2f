package web

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// langOption is one choice in a language list: the code, the language's
// name in itself (so a citizen finds their language without reading
// German) and its writing direction.
type langOption struct {
	Code string
	Name string
	Dir  string // "rtl" or "ltr"
}

// rtlScripts are the scripts written right to left among the languages a
// county office may offer.
var rtlScripts = map[string]bool{"Arab": true, "Hebr": true, "Thaa": true, "Syrc": true, "Nkoo": true, "Adlm": true, "Rohg": true}

// languageOptions names each language code in its own language (CLDR data
// from golang.org/x/text). An unknown code keeps the code as its name.
func languageOptions(codes []string) []langOption {
	out := make([]langOption, 0, len(codes))
	for _, c := range codes {
		o := langOption{Code: c, Name: c, Dir: "ltr"}
		if tag, err := language.Parse(c); err == nil {
			if n := display.Self.Name(tag); n != "" {
				o.Name = upperFirst(n)
			}
			if s, _ := tag.Script(); rtlScripts[s.String()] {
				o.Dir = "rtl"
			}
		}
		out = append(out, o)
	}
	return out
}

// upperFirst capitalises a name for a menu ("українська" → "Українська"),
// as CLDR's context transforms do for lists in most languages.
func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return string(unicode.ToTitle(r)) + s[n:]
}
