package e2e

import (
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"testing"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
)

// apiClient speaks the JSON API like a third-party front end or a console.
type apiClient struct {
	t     testing.TB
	base  string
	http  *http.Client
	csrf  string
	token string // citizen ticket token or service token
	actAs string
}

func newClient(t testing.TB, srv *apptest.Server) *apiClient {
	c := srv.Client()
	c.Jar, _ = cookiejar.New(nil)
	return &apiClient{t: t, base: srv.URL, http: c}
}

// do sends a request and decodes the JSON answer into out; it returns the status.
func (c *apiClient) do(method, path string, body, out any) int {
	c.t.Helper()
	st, err := apptest.CallJSON(c.http, c.base, method, path, apptest.Caller{CSRF: c.csrf, Token: c.token, ActAs: c.actAs}, body, out)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	return st
}

func (c *apiClient) login(user, pw string) {
	c.t.Helper()
	var me struct {
		CSRF string `json:"csrf_token"`
	}
	if st := c.do("POST", "/api/v1/staff/login", map[string]string{"login": user, "password": pw}, &me); st != 200 {
		c.t.Fatalf("login %s: status %d", user, st)
	}
	c.csrf = me.CSRF
}

type knockResult struct {
	ID              string `json:"id"`
	Number          string `json:"number"`
	Token           string `json:"token"`
	Place           int    `json:"place"`
	EstimateSeconds int    `json:"estimate_seconds"`
}

func (c *apiClient) knock(office, concern string) knockResult {
	c.t.Helper()
	var k knockResult
	if st := c.do("POST", "/api/v1/offices/"+office+"/knocks", map[string]string{"concern": concern, "language": "de"}, &k); st != 201 {
		c.t.Fatalf("knock: status %d", st)
	}
	return k
}

type apiError struct {
	Error struct {
		Code, Message string
	} `json:"error"`
}

func (e apiError) String() string { return fmt.Sprintf("%s: %s", e.Error.Code, e.Error.Message) }
