// Command oidcop is the OpenID provider of the appliance's tests: zitadel's
// OP (github.com/zitadel/oidc/v3/pkg/op, pinned in this tools module, so
// none of it enters the product's go.mod) with the example storage wrapped
// so that users carry groups ("groups") and Keycloak-style realm roles
// ("realm_access.roles") in the ID token and at userinfo, a login page that
// keeps a provider session (ended by RP-initiated logout), and a control
// API for tests on /test/: add users and clients, change a user's groups,
// count a user's provider sessions, tamper with the next ID token.
//
//	oidcop -addr 127.0.0.1:9998
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"flag"
	"html/template"
	"log"
	"net/http"
	"strconv"
	"sync/atomic"

	"github.com/go-chi/chi/v5"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9998", "listen address (loopback)")
	flag.Parse()
	issuer := "http://" + *addr
	s := newStore()
	cfg := &op.Config{CryptoKey: sha256.Sum256([]byte("oidcop")), DefaultLogoutRedirectURI: "/logged-out",
		CodeMethodS256: true, AuthMethodPost: true, GrantTypeRefreshToken: true,
		SupportedUILocales: []language.Tag{language.English}}
	p, err := op.NewProvider(cfg, s, op.StaticIssuer(issuer), op.WithAllowInsecure())
	if err != nil {
		log.Fatal(err)
	}
	var tamper atomic.Bool
	r := chi.NewRouter()
	l := &login{s: s, callback: op.AuthCallbackURL(p)}
	in := op.NewIssuerInterceptor(p.IssuerFromRequest)
	r.Get("/login/username", in.HandlerFunc(l.page))
	r.Post("/login/username", in.HandlerFunc(l.check))
	r.Get("/logged-out", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("signed out")) })
	r.Post("/test/users", func(w http.ResponseWriter, r *http.Request) {
		var u user
		if json.NewDecoder(r.Body).Decode(&u) != nil || u.ID == "" {
			http.Error(w, "bad user", 400)
			return
		}
		s.users.put(u)
	})
	r.Post("/test/groups", func(w http.ResponseWriter, r *http.Request) {
		u, ok := s.users.get(r.URL.Query().Get("user"))
		if !ok || json.NewDecoder(r.Body).Decode(&u.Groups) != nil {
			http.Error(w, "bad user or groups", 400)
			return
		}
		s.users.put(u)
	})
	r.Post("/test/clients", func(w http.ResponseWriter, r *http.Request) {
		var c client
		if json.NewDecoder(r.Body).Decode(&c) != nil || c.ID == "" {
			http.Error(w, "bad client", 400)
			return
		}
		s.mu.Lock()
		s.clients[c.ID] = &c
		s.mu.Unlock()
	})
	r.Get("/test/sessions", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(strconv.Itoa(s.sessionCount(r.URL.Query().Get("user")))))
	})
	r.Post("/test/tamper", func(http.ResponseWriter, *http.Request) { tamper.Store(true) })
	r.Mount("/", p)
	log.Printf("oidcop: issuer %s", issuer)
	log.Fatal(http.ListenAndServe(*addr, tamperToken(r, &tamper)))
}

// tamperToken alters a claim of the next ID token the token endpoint
// hands out while the flag is set (the signature then no longer matches).
func tamperToken(next http.Handler, flag *atomic.Bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/oauth/token" || !flag.Load() {
			next.ServeHTTP(w, r)
			return
		}
		rec := &recorder{header: http.Header{}, code: 200}
		next.ServeHTTP(rec, r)
		body := rec.buf.Bytes()
		var m map[string]any
		if json.Unmarshal(body, &m) == nil {
			if tok, ok := m["id_token"].(string); ok && flag.CompareAndSwap(true, false) {
				m["id_token"] = alterClaims(tok)
				body, _ = json.Marshal(m)
			}
		}
		for k, v := range rec.header {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(rec.code)
		w.Write(body)
	})
}

// alterClaims grants the token's subject an extra group, keeping the
// original signature.
func alterClaims(tok string) string {
	parts := bytes.Split([]byte(tok), []byte("."))
	if len(parts) != 3 {
		return tok
	}
	payload, err := base64.RawURLEncoding.DecodeString(string(parts[1]))
	var claims map[string]any
	if err != nil || json.Unmarshal(payload, &claims) != nil {
		return tok
	}
	claims["groups"] = []string{"/buergerbuero/admins"}
	payload, _ = json.Marshal(claims)
	parts[1] = []byte(base64.RawURLEncoding.EncodeToString(payload))
	return string(bytes.Join(parts, []byte(".")))
}

type recorder struct {
	header http.Header
	code   int
	buf    bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) WriteHeader(c int)           { r.code = c }
func (r *recorder) Write(b []byte) (int, error) { return r.buf.Write(b) }

// login is the provider's sign-in page. A browser with a provider session
// is signed in without the form (single sign-on) until RP-initiated logout
// ends that session.
type login struct {
	s        *store
	callback func(context.Context, string) string
}

var loginPage = template.Must(template.New("login").Parse(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test provider</title></head>
<body><h1>Test provider sign-in</h1>{{if .Error}}<p id="op-error">{{.Error}}</p>{{end}}
<form method="post" action="/login/username"><input type="hidden" name="id" value="{{.ID}}">
<label>User <input id="op-username" name="username"></label>
<label>Password <input id="op-password" name="password" type="password"></label>
<button id="op-submit" type="submit">Sign in</button></form></body></html>`))

const sessionCookie = "op_session"

func (l *login) page(w http.ResponseWriter, r *http.Request) {
	id := r.FormValue("authRequestID")
	if c, err := r.Cookie(sessionCookie); err == nil {
		l.s.mu.Lock()
		uid, ok := l.s.sessions[c.Value]
		l.s.mu.Unlock()
		if u, known := l.s.users.get(uid); ok && known && l.s.CheckUsernamePassword(u.Username, u.Password, id) == nil {
			http.Redirect(w, r, l.callback(r.Context(), id), http.StatusFound)
			return
		}
	}
	loginPage.Execute(w, map[string]string{"ID": id})
}

func (l *login) check(w http.ResponseWriter, r *http.Request) {
	id := r.FormValue("id")
	if err := l.s.CheckUsernamePassword(r.FormValue("username"), r.FormValue("password"), id); err != nil {
		w.WriteHeader(http.StatusUnauthorized)
		loginPage.Execute(w, map[string]string{"ID": id, "Error": "wrong user or password"})
		return
	}
	u := l.s.users.GetUserByUsername(r.FormValue("username"))
	b := make([]byte, 24)
	rand.Read(b)
	sid := base64.RawURLEncoding.EncodeToString(b)
	l.s.mu.Lock()
	l.s.sessions[sid] = u.ID
	l.s.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: sid, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, l.callback(r.Context(), id), http.StatusFound)
}
