package web

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/buergerbuero/buergerbuero/appliance/admin"
	"github.com/buergerbuero/buergerbuero/appliance/reception"
)

// What the web administration changes at run time, as the pages read it:
// the county's name, the embedding origins, the default retention, the
// branding (a generated stylesheet, so the CSP keeps style-src 'self'
// without inline style) and the offices' waiting-room texts.

func init() {
	// adminList lets the administration's templates range over field names
	templateFuncs["adminList"] = func(v ...string) []string { return v }
	templateFuncs["inc"] = func(n int) int { return n + 1 }
}

func (s *Server) siteName() string {
	if s.opt.Admin != nil {
		return s.opt.Admin.Site().Name
	}
	return s.opt.SiteName
}

func (s *Server) frameAncestors() []string {
	if s.opt.Admin != nil {
		return s.opt.Admin.Site().FrameAncestors
	}
	return s.opt.FrameAncestors
}

func (s *Server) defaultRetention() reception.Retention {
	if s.opt.Admin != nil {
		site := s.opt.Admin.Site()
		return reception.Retention{Content: site.RetentionContent, Personal: site.RetentionPersonal}
	}
	return s.opt.Retention
}

// branding fills the page's branding: the generated stylesheet when
// colours are set, the logo when there is one.
func (s *Server) branding(p *page) {
	if s.opt.Admin == nil {
		return
	}
	b := s.opt.Admin.Site().Branding
	p.Branded = b.Primary != "" || b.Background != "" || b.Text != ""
	p.Logo = b.LogoType != ""
}

// officeTexts are an office's waiting-room texts, nil when none are set.
func (s *Server) officeTexts(officeID string) *admin.Texts {
	if s.opt.Admin == nil || officeID == "" {
		return nil
	}
	t := s.opt.Admin.Texts(officeID)
	if t.Empty() {
		return nil
	}
	return &t
}

// brandingCSS overrides the stylesheet's colour variables with the
// county's (each checked for AA contrast when saved).
func (s *Server) brandingCSS(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	if s.opt.Admin == nil {
		return
	}
	b := s.opt.Admin.Site().Branding
	var vars []string
	add := func(name, v string) {
		if _, ok := admin.ParseColour(v); ok {
			vars = append(vars, fmt.Sprintf("%s: %s;", name, v))
		}
	}
	add("--accent", b.Primary)
	add("--accent-fg", b.OnPrimary)
	add("--bg", b.Background)
	add("--soft", b.Background)
	add("--fg", b.Text)
	add("--muted", b.Text)
	if len(vars) == 0 {
		return
	}
	fmt.Fprintf(w, "/* generated from the web administration's branding */\n:root { %s }\n", strings.Join(vars, " "))
}

// brandingLogo serves the county's logo with its sniffed type.
func (s *Server) brandingLogo(w http.ResponseWriter, r *http.Request) {
	if s.opt.Admin == nil {
		http.NotFound(w, r)
		return
	}
	data, typ := s.opt.Admin.Logo()
	if data == nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", typ)
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(data)
}
