package web

import (
	"net/http"
	"strings"
	"sync"

	"golang.org/x/text/language"

	"github.com/buergerbuero/buergerbuero/appliance/i18n"
	"github.com/buergerbuero/buergerbuero/appliance/problem"
)

// langCookie keeps a citizen's explicit language choice.
const langCookie = "bb_lang"

// localizer renders text in the request's language: an explicit choice
// (?lang=, then the bb_lang cookie) if it names a supported language, else
// Accept-Language with its q-values, else German. The staff area (/staff…,
// /api/v1/staff/…) speaks German or English only.
func (s *Server) localizer(r *http.Request) *i18n.Localizer {
	return s.catalogue().Localizer(requestLang(r))
}

// requestLang negotiates the request's language (see localizer).
func requestLang(r *http.Request) language.Tag {
	choice := r.URL.Query().Get("lang")
	if choice == "" {
		if c, err := r.Cookie(langCookie); err == nil {
			choice = c.Value
		}
	}
	accept := r.Header.Get("Accept-Language")
	if isStaffPath(r.URL.Path) {
		return i18n.NegotiateStaff(accept, choice)
	}
	return i18n.Negotiate(accept, choice)
}

func isStaffPath(p string) bool {
	return p == "/staff" || strings.HasPrefix(p, "/staff/") || strings.HasPrefix(p, "/api/v1/staff/")
}

// catalogue is Options.Catalogue, or the built-in catalogue when none was
// given (tests that build a Server by hand).
func (s *Server) catalogue() *i18n.Catalogue {
	if s.opt.Catalogue != nil {
		return s.opt.Catalogue
	}
	return builtinCatalogue()
}

var builtinCatalogue = sync.OnceValue(func() *i18n.Catalogue {
	c, err := i18n.Load("")
	if err != nil {
		panic("built-in message catalogue: " + err.Error())
	}
	return c
})

// problemMessage renders a problem in the request's language.
func (s *Server) problemMessage(r *http.Request, p *problem.Error) string {
	return s.localizer(r).T(p.Key(), p.Args)
}
