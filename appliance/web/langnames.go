package web

import (
	"golang.org/x/text/language"

	"github.com/buergerbuero/buergerbuero/appliance/i18n"
)

// langOption is one choice in a language list: the code, the language's
// name in itself (so a citizen finds their language without reading
// German) and its writing direction.
type langOption struct {
	Code string
	Name string
	Dir  string // "rtl" or "ltr"
}

// languageOptions names each language code in its own language
// (i18n.SelfName, the one source of language names). An unknown code keeps
// the code as its name.
func languageOptions(codes []string) []langOption {
	out := make([]langOption, 0, len(codes))
	for _, c := range codes {
		o := langOption{Code: c, Name: c, Dir: "ltr"}
		if tag, err := language.Parse(c); err == nil {
			o.Name = i18n.SelfName(tag)
			o.Dir = i18n.Dir(tag)
		}
		out = append(out, o)
	}
	return out
}
