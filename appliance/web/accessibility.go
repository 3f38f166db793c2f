package web

import (
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/config"
)

// AccessibilityPath is the accessibility statement (Erklärung zur
// Barrierefreiheit, BITV 2.0 § 7); every page links to it in its footer.
// /accessibility is the same page.
const AccessibilityPath = "/barrierefreiheit"

// accessibilityPage is what templates/accessibility.html renders: the
// configured contact, enforcement body, status and date.
type accessibilityPage struct {
	config.Accessibility
	Site string
	// Date is the configured date, written for the page's language.
	Date string
	// Tel is the tel: link of the contact phone (digits and + only, so
	// html/template may trust it).
	Tel template.URL
	// Missing names the configuration fields an operator still has to fill.
	Missing []string
}

func (s *Server) pageAccessibility(w http.ResponseWriter, r *http.Request) {
	pl := s.pageLang(r)
	a := s.opt.Accessibility
	p := accessibilityPage{Accessibility: a, Site: s.siteName(), Missing: a.Missing(s.opt.Privacy)}
	if strings.TrimSpace(p.ContactEmail) == "" {
		p.ContactEmail = s.opt.Privacy.ContactEmail
	}
	if p.Status == "" {
		p.Status = "partial"
	}
	if tel := strings.Map(func(r rune) rune {
		if r == '+' || r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, a.ContactPhone); tel != "" {
		p.Tel = template.URL("tel:" + tel)
	}
	if d, err := time.ParseInLocation(time.DateOnly, a.Date, s.location()); err == nil {
		p.Date = pl.l.FormatFullDate(d, s.location())
	}
	s.render(w, r, 200, page{Title: "a11y.title", Body: "accessibility", Data: p})
}
