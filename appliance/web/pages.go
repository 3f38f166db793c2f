package web

import (
	"bytes"
	"encoding/json"
	"html/template"
	"net/http"
	"strings"

	"github.com/buergerbuero/buergerbuero/appliance/admin"
	"github.com/buergerbuero/buergerbuero/appliance/notify"
	"github.com/buergerbuero/buergerbuero/appliance/reception"
)

// page is the data every template gets.
type page struct {
	Lang      pageLang
	Site      string
	Title     string
	Path      string
	Script    string // ES module under /static/
	Body      string // template name of the content
	Strings   template.JS
	Languages []langOption // the language switcher
	Data      any
	Offices   []reception.OfficeStatus
	Office    reception.OfficeStatus
	Error     string
	Embedded  bool
	// Bookable: offices with services a citizen can book (links into booking)
	Bookable map[string]bool
	// ContentLang is the language the county wrote its office names and
	// descriptions in (site.default_language), marked on them so that a
	// screen reader on an Arabic page reads a German description in German.
	ContentLang string
	// Mails: the demo's mailbox
	Mails []notify.MailboxMail
	// Branded: the web administration set colours (/branding.css); Logo:
	// it set a logo (/branding/logo).
	Branded, Logo bool
	// Texts are the office's waiting-room texts (knock and waiting page).
	Texts *admin.Texts
}

// render writes a page in the request's language. Title is a catalogue
// key, rendered with TitleArgs.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, p page, titleArgs ...any) {
	p.Lang = s.pageLang(r)
	p.Site = s.siteName()
	s.branding(&p)
	p.ContentLang = s.opt.DefaultLanguage
	if p.ContentLang == "" {
		p.ContentLang = "de"
	}
	p.Path = r.URL.Path
	p.Title = p.Lang.T(p.Title, titleArgs...)
	staffArea := isStaffPath(r.URL.Path)
	p.Languages = switchLanguages(staffArea)
	setLangCookie(w, r, staffArea)
	// the page scripts' strings: a JSON data block, which the strict CSP
	// allows since it is not executed
	strs := p.Lang.l.JS("js.")
	strs["lang"] = p.Lang.String()
	strs["digits"] = p.Lang.digits()
	js, _ := json.Marshal(strs)
	p.Strings = template.JS(js)
	var buf bytes.Buffer
	if err := s.tmpl.ExecuteTemplate(&buf, "layout.html", p); err != nil {
		s.log.Error("render", "template", p.Body, "err", err)
		http.Error(w, "internal error", 500)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", p.Lang.String())
	w.Header().Add("Vary", "Accept-Language, Cookie")
	w.WriteHeader(status)
	buf.WriteTo(w)
}

// pageNotFound answers an unknown address with a page in the reader's
// language, and a known page used with a wrong method with 405.
func (s *Server) pageNotFound(w http.ResponseWriter, r *http.Request) {
	if notFoundOrMethod(s.mux, r) == error(errMethod) {
		w.Header().Set("Allow", "GET")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	s.render(w, r, http.StatusNotFound, page{Title: "notfound.title", Body: "notfound"})
}

func (s *Server) pageOffices(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, 200, page{Title: "offices", Body: "offices", Offices: s.rec.Offices(), Script: "offices.js", Bookable: s.bookableOffices()})
}

func (s *Server) pageEmbed(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, 200, page{Title: "offices", Body: "offices", Offices: s.rec.Offices(), Embedded: true, Bookable: s.bookableOffices()})
}

// embedJS is the one-line widget for a county website:
// <script src="https://…/embed.js" async></script> inserts an iframe.
func (s *Server) embedJS(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cross-Origin-Resource-Policy", "cross-origin")
	w.Header().Set("Cache-Control", "public, max-age=300")
	base := strings.TrimRight(s.opt.PublicURL, "/")
	b, _ := json.Marshal(base + "/embed")
	title, _ := json.Marshal(s.siteName())
	w.Write([]byte(`(function(){var s=document.currentScript,f=document.createElement("iframe");f.src=` + string(b) +
		`;f.title=` + string(title) + `;f.style.border="0";f.style.width="100%";f.style.minHeight="420px";f.loading="lazy";s.parentNode.insertBefore(f,s);})();`))
}

func (s *Server) pageKnock(w http.ResponseWriter, r *http.Request) {
	st, ok := s.rec.OfficeStatus(r.PathValue("id"))
	if !ok {
		s.render(w, r, 404, page{Title: "notfound.title", Body: "notfound"})
		return
	}
	s.render(w, r, 200, page{Title: "knock.title", Body: "knock", Office: st, Script: "knock.js", Bookable: map[string]bool{st.ID: s.bookable(st.ID)},
		Texts: s.officeTexts(st.ID)}, "Office", st.Name)
}

func (s *Server) pageWait(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.render(w, r, 200, page{Title: "wait.title", Body: "wait", Script: "wait.js", Data: id, Texts: s.officeTexts(s.rec.OfficeOfTicket(r.Context(), id))})
}

func (s *Server) pageRoom(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, 200, page{Title: "room.title", Body: "room", Script: "room.js", Data: r.PathValue("room")})
}

func (s *Server) pageJoin(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, 200, page{Title: "join.title", Body: "join", Script: "join.js"})
}
