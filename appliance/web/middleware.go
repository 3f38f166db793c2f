package web

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
)

// csp builds the Content-Security-Policy: no inline script or style, no
// third-party origins; only the widget may be framed, and only by the
// configured origins. The room page may compile WebAssembly
// ('wasm-unsafe-eval'): the staff camera's background blur runs a
// segmentation model as WebAssembly (static/background.js, vendored from
// our origin). It allows WebAssembly.instantiate only, not eval or new
// Function for JavaScript, and no other page gets it.
func (s *Server) csp(r *http.Request) string {
	frame := "'none'"
	if fa := s.frameAncestors(); strings.HasPrefix(r.URL.Path, "/embed") && len(fa) > 0 {
		frame = strings.Join(fa, " ")
	}
	script := "'self'"
	if strings.HasPrefix(r.URL.Path, "/room/") {
		script += " 'wasm-unsafe-eval'"
	}
	form := "'self'"
	if s.opt.OIDC != nil && strings.HasPrefix(r.URL.Path, "/staff") {
		// sign-in and logout forms lead on to the OpenID provider (oidc.go)
		form += " " + strings.Join(s.opt.OIDC.Origins(), " ")
	}
	connect := "'self'"
	if s.opt.MediaOrigins != nil {
		// rooms placed on other nodes (appliance/placement)
		for _, o := range s.opt.MediaOrigins() {
			connect += " " + o
		}
	}
	return "default-src 'self'; script-src " + script + "; style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob: mediastream:; " +
		"connect-src " + connect + "; font-src 'self'; object-src 'none'; base-uri 'none'; form-action " + form + "; frame-ancestors " + frame
}

func (s *Server) secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", s.csp(r))
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		if strings.HasPrefix(r.URL.Path, "/room/") || strings.HasPrefix(r.URL.Path, "/join/") {
			h.Set("Permissions-Policy", "camera=(self), microphone=(self), display-capture=(self), geolocation=(), payment=(), usb=()")
		} else {
			h.Set("Permissions-Policy", "camera=(), microphone=(), display-capture=(), geolocation=(), payment=(), usb=()")
		}
		if !strings.HasPrefix(r.URL.Path, "/embed") {
			h.Set("X-Frame-Options", "DENY")
		}
		if !strings.HasPrefix(r.URL.Path, "/static/") {
			h.Set("Cache-Control", "no-store")
		}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic in handler", "path", r.URL.Path, "panic", v)
				s.writeProblem(w, r, errors.New("internal error"))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

type statusWriter struct {
	http.ResponseWriter
	code     int
	hijacked bool
}

func (w *statusWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("hijack not supported")
	}
	w.hijacked = true
	return hj.Hijack()
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func itoa(n int) string { return strconv.Itoa(n) }
