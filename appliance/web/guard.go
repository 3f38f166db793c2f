package web

import (
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/gorilla/websocket"

	"github.com/buergerbuero/buergerbuero/appliance/problem"
)

// The API guard holds the rules every /api/ request obeys, whatever its
// endpoint. It applies by method and path prefix, so an endpoint added
// later is covered without registering anything:
//
//   - a secret in the query (access_token) is refused: URLs end up in proxy
//     and browser logs. WebSockets use a stream key instead (streamkey.go);
//   - a request that changes something (POST, PUT, PATCH, DELETE) from
//     another site is refused: a foreign Origin, or Sec-Fetch-Site other
//     than same-origin/none. A foreign page could otherwise make a
//     visitor's browser knock or act with the visitor's cookies. There is
//     no exception for the embedding origins (http.frame_ancestors): the
//     widget is our own page inside their iframe, so its requests are
//     same-origin, and it only links into our pages; the host page itself
//     never calls the API;
//   - its body is JSON (application/json, charset utf-8 if given), or
//     multipart/form-data on the file uploads (…/files); anything else is
//     415. A simple cross-site form (text/plain, no preflight) never
//     reaches a handler;
//   - a JSON body declared larger than maxJSONBody is 413 before it is
//     read (readJSON enforces the limit on bodies of unknown length).
//
// Clients without a browser (the Matrix bridge, curl) send neither Origin
// nor Sec-Fetch-Site and pass the site check.

var (
	errTokenInURL    = problem.New(problem.KindUnauthorized, "token_in_url")
	errCrossSite     = problem.New(problem.KindForbidden, "cross_site")
	errNeedJSON      = &problem.Error{Kind: problem.KindUnsupportedMedia, Code: "unsupported_media_type", Reason: "json"}
	errNeedMultipart = &problem.Error{Kind: problem.KindUnsupportedMedia, Code: "unsupported_media_type", Reason: "multipart"}
)

func (s *Server) guardAPI(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/api/") {
			next.ServeHTTP(w, r)
			return
		}
		q := r.URL.Query()
		if q.Has("access_token") {
			s.writeProblem(w, r, errTokenInURL)
			return
		}
		if q.Has(streamKeyParam) {
			if !websocket.IsWebSocketUpgrade(r) {
				s.writeProblem(w, r, errTokenInURL)
				return
			}
			if err := s.streamKeys.redeem(r); err != nil {
				s.writeProblem(w, r, err)
				return
			}
		}
		if changes(r.Method) {
			if err := s.checkSite(r); err != nil {
				s.writeProblem(w, r, err)
				return
			}
			if err := checkBody(r); err != nil {
				s.writeProblem(w, r, err)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func changes(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

// checkSite refuses a browser request sent by another site.
func (s *Server) checkSite(r *http.Request) error {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return errCrossSite
	}
	if o := r.Header.Get("Origin"); o != "" && !s.ownOrigin(r, o) {
		return errCrossSite
	}
	return nil
}

// ownOrigin: the Origin names this server, as the browser reached it (the
// Host header) or as configured (site.public_url).
func (s *Server) ownOrigin(r *http.Request, origin string) bool {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false // includes "null" (sandboxed frames, data: URLs)
	}
	if u.Host == r.Host {
		return true
	}
	pub, err := url.Parse(s.opt.PublicURL)
	return err == nil && pub.Host != "" && u.Scheme == pub.Scheme && u.Host == pub.Host
}

// isUpload: the file endpoints take multipart/form-data.
func isUpload(r *http.Request) bool {
	return r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/files")
}

// checkBody checks the declared content type and size of a change. A
// request without a body (Content-Length: 0) may omit the type.
func checkBody(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	if ct == "" && r.ContentLength == 0 {
		return nil
	}
	mt, params, err := mime.ParseMediaType(ct)
	if isUpload(r) {
		if err != nil || mt != "multipart/form-data" {
			return errNeedMultipart
		}
		return nil
	}
	if err != nil || mt != "application/json" {
		return errNeedJSON
	}
	for k, v := range params {
		if k != "charset" || !strings.EqualFold(v, "utf-8") {
			return errNeedJSON
		}
	}
	if r.ContentLength > maxJSONBody {
		return errBodySize
	}
	return nil
}
