package web

import (
	"bytes"
	"encoding/json"
	"html/template"
	"net/http"
	"strings"

	"github.com/buergerbuero/buergerbuero/appliance/reception"
)

// page is the data every template gets.
type page struct {
	Lang     string
	Site     string
	Title    string
	Path     string
	Script   string // ES module under /static/
	Body     string // template name of the content
	Strings  template.JS
	Data     any
	Offices  []reception.OfficeStatus
	Office   reception.OfficeStatus
	Error    string
	Embedded bool
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, p page) {
	p.Lang = langOf(r)
	p.Site = s.opt.SiteName
	p.Path = r.URL.Path
	if q := r.URL.Query().Get("lang"); q == "de" || q == "en" {
		http.SetCookie(w, &http.Cookie{Name: "bb_lang", Value: q, Path: "/", Secure: true, SameSite: http.SameSiteLaxMode, MaxAge: 365 * 86400})
	}
	js, _ := json.Marshal(jsStrings(p.Lang))
	p.Strings = template.JS(js)
	var buf bytes.Buffer
	if err := s.tmpl.ExecuteTemplate(&buf, "layout.html", p); err != nil {
		s.log.Error("render", "template", p.Body, "err", err)
		http.Error(w, "internal error", 500)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	buf.WriteTo(w)
}

func (s *Server) pageOffices(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, 200, page{Title: tr(langOf(r), "offices"), Body: "offices", Offices: s.rec.Offices(), Script: "offices.js"})
}

func (s *Server) pageEmbed(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, 200, page{Title: tr(langOf(r), "offices"), Body: "offices", Offices: s.rec.Offices(), Embedded: true})
}

// embedJS is the one-line widget for a county website:
// <script src="https://…/embed.js" async></script> inserts an iframe.
func (s *Server) embedJS(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cross-Origin-Resource-Policy", "cross-origin")
	w.Header().Set("Cache-Control", "public, max-age=300")
	base := strings.TrimRight(s.opt.PublicURL, "/")
	b, _ := json.Marshal(base + "/embed")
	w.Write([]byte(`(function(){var s=document.currentScript,f=document.createElement("iframe");f.src=` + string(b) +
		`;f.title="Virtuelles Bürgerbüro";f.style.border="0";f.style.width="100%";f.style.minHeight="420px";f.loading="lazy";s.parentNode.insertBefore(f,s);})();`))
}

func (s *Server) pageKnock(w http.ResponseWriter, r *http.Request) {
	st, ok := s.rec.OfficeStatus(r.PathValue("id"))
	if !ok {
		s.render(w, r, 404, page{Title: "404", Body: "notfound"})
		return
	}
	s.render(w, r, 200, page{Title: tr(langOf(r), "knock.title") + " " + st.Name, Body: "knock", Office: st, Script: "knock.js"})
}

func (s *Server) pageWait(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, 200, page{Title: tr(langOf(r), "wait.title"), Body: "wait", Script: "wait.js", Data: r.PathValue("id")})
}

func (s *Server) pageRoom(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, 200, page{Title: tr(langOf(r), "room.title"), Body: "room", Script: "room.js", Data: r.PathValue("room")})
}

func (s *Server) pageJoin(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, 200, page{Title: tr(langOf(r), "join.title"), Body: "join", Script: "join.js"})
}
