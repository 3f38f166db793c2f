package tlsconf

import (
	"net"
	"net/http"
	"strconv"
	"strings"
)

// HTTPHandler is the handler of the plain-HTTP listener (port 80). In mode
// off it is fallback itself (the appliance then runs behind a TLS proxy).
// Otherwise it answers ACME HTTP-01 challenges (mode acme) and redirects
// every other request with 308 to the same path over HTTPS; fallback is not
// used. The redirect goes only to a configured domain, never to whatever
// Host the client sent.
func (m *Manager) HTTPHandler(fallback http.Handler) http.Handler {
	if m.mode == ModeOff {
		return fallback
	}
	var h http.Handler = http.HandlerFunc(m.redirect)
	if m.acme != nil {
		h = m.acme.HTTPChallengeHandler(h)
	}
	return h
}

func (m *Manager) redirect(w http.ResponseWriter, r *http.Request) {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.Trim(host, "[]"), ".")
	target := ""
	for _, d := range m.domains {
		if strings.EqualFold(d, host) {
			target = d
		}
	}
	if target == "" && len(m.domains) > 0 {
		target = m.domains[0]
	}
	if target == "" {
		http.Error(w, "HTTPS only", http.StatusMisdirectedRequest)
		return
	}
	if m.opts.httpsPort != 443 {
		target = net.JoinHostPort(target, strconv.Itoa(m.opts.httpsPort))
	} else if strings.Contains(target, ":") {
		target = "[" + target + "]" // IPv6 literal
	}
	w.Header().Set("Connection", "close")
	http.Redirect(w, r, "https://"+target+r.URL.RequestURI(), http.StatusPermanentRedirect)
}
