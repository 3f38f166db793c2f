package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
)

// TestSecurityHeadersOnEveryRoute requests every route (and a static file,
// the widget script and an unknown path) and checks the headers a strict
// deployment needs: CSP without inline script or style and without eval
// (WebAssembly compilation, 'wasm-unsafe-eval', only on the room page), HSTS, nosniff,
// Referrer-Policy, and camera/microphone/display-capture allowed only on
// the room and invitation pages.
func TestSecurityHeadersOnEveryRoute(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true, Configure: func(c *configT) {
		c.HTTP.FrameAncestors = []string{"https://www.musterland.de"}
	}})
	hc := srv.Client()
	paths := map[string]string{"/static/style.css": "GET", "/static/common.js": "GET", "/embed.js": "GET", "/does-not-exist": "GET", "/api/v1/nope": "GET"}
	for _, r := range srv.App.Web.Routes() {
		method, path, ok := strings.Cut(r, " ")
		if !ok {
			method, path = "GET", r
		}
		path = strings.NewReplacer("{id}", "x1", "{room}", "r1", "{file}", "f1", "{token}", "t1", "{action}", "admit", "{$}", "").Replace(path)
		paths[path] = method
	}
	for path, method := range paths {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader("{}"))
		res, err := hc.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		res.Body.Close()
		h := res.Header
		csp := h.Get("Content-Security-Policy")
		switch {
		case csp == "" || strings.Contains(csp, "unsafe-inline") || strings.Contains(strings.ReplaceAll(csp, "'wasm-unsafe-eval'", ""), "unsafe-eval") || !strings.Contains(csp, "script-src 'self'"):
			t.Errorf("%s %s: CSP %q", method, path, csp)
		case strings.Contains(csp, "'wasm-unsafe-eval'") != strings.HasPrefix(path, "/room/"):
			// WebAssembly only where the staff camera's segmentation model runs
			t.Errorf("%s %s: 'wasm-unsafe-eval' in CSP %q only on the room page", method, path, csp)
		case !strings.HasPrefix(h.Get("Strict-Transport-Security"), "max-age="):
			t.Errorf("%s %s: no HSTS", method, path)
		case h.Get("X-Content-Type-Options") != "nosniff":
			t.Errorf("%s %s: no nosniff", method, path)
		case h.Get("Referrer-Policy") == "":
			t.Errorf("%s %s: no Referrer-Policy", method, path)
		}
		pp := h.Get("Permissions-Policy")
		media := strings.HasPrefix(path, "/room/") || strings.HasPrefix(path, "/join/")
		if media != strings.Contains(pp, "camera=(self)") || !strings.Contains(pp, "display-capture=") {
			t.Errorf("%s %s: Permissions-Policy %q", method, path, pp)
		}
		frames := strings.Contains(csp, "frame-ancestors https://www.musterland.de")
		if frames != strings.HasPrefix(path, "/embed") && path != "/embed.js" {
			t.Errorf("%s %s: frame-ancestors in %q", method, path, csp)
		}
	}
}
