package i18n

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// LeichteSprache is German in Leichte Sprache (easy-to-read German). It is a
// private-use tag on purpose: no browser sends it, and the Accept-Language
// matcher does not know it, so it is chosen only explicitly (switcher,
// cookie, ?lang=).
var LeichteSprache = language.MustParse("de-x-ls")

// Citizen lists the languages of the citizen-facing pages and messages,
// German (the default and fallback) first.
var Citizen = []language.Tag{
	language.German,
	language.English,
	language.Turkish,
	language.Arabic,
	language.Ukrainian,
	language.Russian,
	language.Persian,
	LeichteSprache,
}

// Staff lists the languages of the staff console.
var Staff = []language.Tag{language.German, language.English}

// StaffOnly reports whether a message is read by staff only: the Matrix
// bridge's notices (area "bridge", keys "bridge.…") go to clerks in the
// bridge's language, German or English. They exist in the Staff languages
// and in no other.
func StaffOnly(id string) bool { return strings.HasPrefix(id, "bridge.") }

var (
	citizenMatcher = language.NewMatcher(withoutLeichteSprache(Citizen))
	staffMatcher   = language.NewMatcher(Staff)
	dari           = language.MustParseBase("prs")
)

func withoutLeichteSprache(tags []language.Tag) []language.Tag {
	var out []language.Tag
	for _, t := range tags {
		if t != LeichteSprache {
			out = append(out, t)
		}
	}
	return out
}

// Negotiate picks the citizen language: an explicit choice (cookie or
// ?lang=) wins if it names a supported language; otherwise the browser's
// Accept-Language header decides, honouring q-values; anything unsupported
// gives German.
func Negotiate(acceptLanguage, choice string) language.Tag {
	return negotiate(Citizen, citizenMatcher, acceptLanguage, choice)
}

// NegotiateStaff is Negotiate for the staff console (German or English).
func NegotiateStaff(acceptLanguage, choice string) language.Tag {
	return negotiate(Staff, staffMatcher, acceptLanguage, choice)
}

func negotiate(supported []language.Tag, m language.Matcher, accept, choice string) language.Tag {
	if choice != "" {
		if t, err := language.Parse(choice); err == nil {
			for _, s := range supported {
				if t == s {
					return s
				}
			}
			if s, ok := match(supported, m, language.High, t); ok {
				return s
			}
		}
	}
	tags := parseAccept(accept)
	for i, t := range tags {
		// Browsers send Dari as prs; it is written like Persian.
		if b, _ := t.Base(); b == dari {
			tags[i] = language.Persian
		}
	}
	if s, ok := match(supported, m, language.Low, tags...); ok {
		return s
	}
	return supported[0]
}

// parseAccept parses an Accept-Language header, ordered by q-value. x/text
// rejects a whole header for one unknown subtag ("xx, tr"), so then each
// entry is parsed on its own and the bad ones are dropped.
func parseAccept(accept string) []language.Tag {
	tags, _, err := language.ParseAcceptLanguage(accept)
	if err == nil {
		return tags
	}
	type weighted struct {
		tag language.Tag
		q   float32
	}
	var ws []weighted
	for _, part := range strings.Split(accept, ",") {
		ts, qs, err := language.ParseAcceptLanguage(part)
		if err == nil && len(ts) == 1 {
			ws = append(ws, weighted{ts[0], qs[0]})
		}
	}
	sort.SliceStable(ws, func(i, j int) bool { return ws[i].q > ws[j].q })
	tags = make([]language.Tag, len(ws))
	for i, w := range ws {
		tags[i] = w.tag
	}
	return tags
}

func match(supported []language.Tag, m language.Matcher, min language.Confidence, tags ...language.Tag) (language.Tag, bool) {
	if len(tags) == 0 {
		return language.Und, false
	}
	_, i, conf := m.Match(tags...)
	if conf < min {
		return language.Und, false
	}
	// The matcher's index refers to its own list, which lacks Leichte
	// Sprache (always last in Citizen), so indexes agree.
	return supported[i], true
}

// Dir is the writing direction of a language: "rtl" or "ltr", for the
// dir attribute of <html>.
func Dir(tag language.Tag) string {
	s, _ := tag.Script()
	switch s.String() {
	case "Arab", "Hebr", "Syrc", "Thaa", "Nkoo", "Adlm", "Rohg":
		return "rtl"
	}
	return "ltr"
}

// selfNames are the languages' names in themselves, for the switcher.
var selfNames = map[language.Tag]string{
	language.German:    "Deutsch",
	language.English:   "English",
	language.Turkish:   "Türkçe",
	language.Arabic:    "العربية",
	language.Ukrainian: "Українська",
	language.Russian:   "Русский",
	language.Persian:   "فارسی",
	LeichteSprache:     "Leichte Sprache",
}

// SelfName is the language's own name (Türkçe, العربية …), for the
// language switcher and the conversation languages an office offers. A
// language outside Citizen is named from CLDR's data ("Polski"); one CLDR
// does not know keeps its BCP 47 tag.
func SelfName(tag language.Tag) string {
	if n, ok := selfNames[tag]; ok {
		return n
	}
	if n := display.Self.Name(tag); n != "" {
		return upperFirst(n)
	}
	return tag.String()
}

// upperFirst capitalises a name for a menu ("polski" → "Polski"), as
// CLDR's context transforms do for lists in most languages.
func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return string(unicode.ToTitle(r)) + s[n:]
}
