package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
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
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, r)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", c.base)
	if c.csrf != "" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if c.actAs != "" {
		req.Header.Set("X-Act-As", c.actAs)
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			c.t.Fatalf("%s %s: %d %s: %v", method, path, res.StatusCode, b, err)
		}
	}
	return res.StatusCode
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
