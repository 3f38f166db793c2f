package web

import (
	"net/http"
	"net/url"
	"strings"
)

// EmbedExamplePath is the demo's example county page: it embeds the
// widget exactly as README's snippet does, so an operator sees the snippet
// working (and what frame_ancestors must allow) before touching the county
// website.
const EmbedExamplePath = "/demo/embed-example"

func (s *Server) pageEmbedExample(w http.ResponseWriter, r *http.Request) {
	base := strings.TrimRight(s.opt.PublicURL, "/")
	// The widget's iframe comes from site.public_url, which is another
	// origin when this page is opened as https://127.0.0.1:… and the public
	// URL says localhost; allow exactly that origin as a frame source.
	if u, err := url.Parse(base); err == nil && u.Host != "" {
		w.Header().Set("Content-Security-Policy", s.csp(r)+"; frame-src 'self' "+u.Scheme+"://"+u.Host)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	data := struct {
		Lang                  pageLang
		Site, Snippet, Script string
	}{s.pageLang(r), s.siteName(),
		`<script src="` + base + `/embed.js" async></script>`, "/embed.js"}
	if err := s.tmpl.ExecuteTemplate(w, "embedexample.html", data); err != nil {
		s.log.Error("render", "template", "embedexample.html", "err", err)
	}
}
