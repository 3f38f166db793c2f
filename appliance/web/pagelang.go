package web

import (
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"golang.org/x/text/language"

	"github.com/buergerbuero/buergerbuero/appliance/i18n"
)

// pageLang is a page's language as the templates see it: {{.Lang}} prints
// the BCP 47 tag, {{t .Lang "key" "Name" value …}} renders a catalogue
// text, and the formatting functions write times and numbers the
// language's way in the site's time zone.
type pageLang struct {
	l   *i18n.Localizer
	loc *time.Location
}

func (p pageLang) String() string { return p.l.Tag().String() }

// Base is the page language's ISO 639-1 code ("de" for Leichte Sprache),
// which preselects the conversation language where an office offers it.
func (p pageLang) Base() string {
	b, _ := p.l.Tag().Base()
	return b.String()
}

// Dir is the writing direction, "rtl" or "ltr".
func (p pageLang) Dir() string { return p.l.Dir() }

// pageLang is the request's page language (see localizer in lang.go).
// With Options.PseudoLocale every text comes from the pseudo-locale.
func (s *Server) pageLang(r *http.Request) pageLang {
	l := s.localizer(r)
	if s.opt.PseudoLocale {
		l = s.catalogue().Pseudo(l.Tag())
	}
	return pageLang{l: l, loc: s.location()}
}

// location is the site's time zone (site.time_zone); Europe/Berlin when
// none was given (tests that build a Server by hand).
func (s *Server) location() *time.Location {
	if s.opt.Location != nil {
		return s.opt.Location
	}
	return berlin
}

var berlin = func() *time.Location {
	l, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		return time.UTC
	}
	return l
}()

// digits are the language's ten digits ("0123456789", "٠١٢٣٤٥٦٧٨٩"),
// so the page scripts write numbers as the server does.
func (p pageLang) digits() string {
	var b strings.Builder
	for i := range 10 {
		b.WriteString(p.l.FormatNumber(i))
	}
	return b.String()
}

// T renders a catalogue text; kv are placeholder names and values in
// pairs ("Office", name).
func (p pageLang) T(id string, kv ...any) string {
	var args map[string]any
	if len(kv) > 0 {
		args = make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			args[fmt.Sprint(kv[i])] = kv[i+1]
		}
	}
	return p.l.T(id, args)
}

// switchLanguages are the languages the switcher offers: the citizen
// languages, or German and English in the staff area.
func switchLanguages(staffArea bool) []langOption {
	tags := i18n.Citizen
	if staffArea {
		tags = i18n.Staff
	}
	out := make([]langOption, len(tags))
	for i, t := range tags {
		out[i] = langOption{Code: t.String(), Name: i18n.SelfName(t), Dir: i18n.Dir(t)}
	}
	return out
}

// setLangCookie keeps an explicit choice (?lang= from the switcher's
// links) for the following pages, if it names a language of this area.
func setLangCookie(w http.ResponseWriter, r *http.Request, staffArea bool) {
	q := r.URL.Query().Get("lang")
	if q == "" {
		return
	}
	t, err := language.Parse(q)
	if err != nil {
		return
	}
	for _, o := range switchLanguages(staffArea) {
		if o.Code == t.String() {
			http.SetCookie(w, &http.Cookie{Name: langCookie, Value: o.Code, Path: "/", Secure: true, HttpOnly: true,
				SameSite: http.SameSiteLaxMode, MaxAge: 365 * 86400})
			return
		}
	}
}

var templateFuncs = template.FuncMap{
	"t": func(p pageLang, id string, kv ...any) string { return p.T(id, kv...) },
	// clock is a time of day ("14:05", "١٤:٠٥").
	"clock": func(p pageLang, t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return p.l.FormatTime(t, p.loc)
	},
	// day is a time of day today, else date and time ("Mo 02.03., 08:00").
	"day": func(p pageLang, t time.Time) string {
		if t.IsZero() {
			return ""
		}
		lt, now := t.In(p.loc), time.Now().In(p.loc)
		if lt.YearDay() == now.YearDay() && lt.Year() == now.Year() {
			return p.l.FormatTime(t, p.loc)
		}
		return p.l.FormatDateTime(t, p.loc)
	},
	// date is a date without its year ("Mo 02.03.").
	"date": func(p pageLang, t time.Time) string { return p.l.FormatDate(t, p.loc) },
	// wait is an estimate given in seconds, in whole minutes rounded up.
	"wait": func(p pageLang, sec int) string { return p.l.FormatDuration((sec + 59) / 60) },
	// num is a whole number in the language's digits.
	"num":       func(p pageLang, n int) string { return p.l.FormatNumber(n) },
	"languages": languageOptions,
}
