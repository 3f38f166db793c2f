package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestGuardAPI: the rules apply to every /api/ path by method, including
// paths no handler knows yet, and leave pages and reads alone.
func TestGuardAPI(t *testing.T) {
	s := &Server{opt: Options{PublicURL: "https://buergerbuero.example.de"}}
	reached := false
	h := s.guardAPI(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached = true }))
	cases := []struct {
		name, method, path, ct, body string
		header                       map[string]string
		status                       int
		code                         string
	}{
		{"JSON knock", "POST", "/api/v1/offices/x/knocks", "application/json", "{}", nil, 200, ""},
		{"JSON with charset", "POST", "/api/v1/offices/x/knocks", "application/json; charset=UTF-8", "{}", nil, 200, ""},
		{"text/plain", "POST", "/api/v1/offices/x/knocks", "text/plain", "{}", nil, 415, "unsupported_media_type"},
		{"JSON with another parameter", "POST", "/api/v1/offices/x/knocks", "application/json; boundary=x", "{}", nil, 415, "unsupported_media_type"},
		{"no body, no type", "POST", "/api/v1/tickets/t/enter", "", "", nil, 200, ""},
		{"a future endpoint", "PUT", "/api/v1/rooms/r/notes/1", "text/plain", "x", nil, 415, "unsupported_media_type"},
		{"upload as multipart", "POST", "/api/v1/rooms/r/files", "multipart/form-data; boundary=x", "--x--", nil, 200, ""},
		{"upload as JSON", "POST", "/api/v1/rooms/r/files", "application/json", "{}", nil, 415, "unsupported_media_type"},
		{"declared too large", "POST", "/api/v1/offices/x/knocks", "application/json", strings.Repeat(" ", maxJSONBody+1), nil, 413, "body_too_large"},
		{"foreign origin", "DELETE", "/api/v1/tickets/t", "", "", map[string]string{"Origin": "https://evil.example"}, 403, "cross_site"},
		{"same-site sibling", "POST", "/api/v1/staff/login", "application/json", "{}", map[string]string{"Sec-Fetch-Site": "same-site"}, 403, "cross_site"},
		{"public URL origin", "POST", "/api/v1/offices/x/knocks", "application/json", "{}", map[string]string{"Origin": "https://buergerbuero.example.de"}, 200, ""},
		{"public host over http", "POST", "/api/v1/offices/x/knocks", "application/json", "{}", map[string]string{"Origin": "http://buergerbuero.example.de"}, 403, "cross_site"},
		{"host origin", "POST", "/api/v1/offices/x/knocks", "application/json", "{}", map[string]string{"Origin": "https://example.com"}, 200, ""},
		{"cross-site read", "GET", "/api/v1/offices", "", "", map[string]string{"Sec-Fetch-Site": "cross-site"}, 200, ""},
		{"token in query", "GET", "/api/v1/tickets/t?access_token=s", "", "", nil, 401, "token_in_url"},
		{"token in query of a change", "DELETE", "/api/v1/tickets/t?access_token=s", "", "", nil, 401, "token_in_url"},
		{"stream key without upgrade", "GET", "/api/v1/tickets/t?stream_key=k", "", "", nil, 401, "token_in_url"},
		{"pages are not the API", "POST", "/staff/login", "application/x-www-form-urlencoded", "a=b", nil, 200, ""},
	}
	for _, c := range cases {
		reached = false
		r := httptest.NewRequest(c.method, c.path, strings.NewReader(c.body)) // Host: example.com
		if c.ct != "" {
			r.Header.Set("Content-Type", c.ct)
		}
		for k, v := range c.header {
			r.Header.Set(k, v)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		var e errorBody
		json.Unmarshal(w.Body.Bytes(), &e)
		if w.Code != c.status || e.Error.Code != c.code || reached != (c.status == 200) {
			t.Errorf("%s: %d %q (handler reached: %v), want %d %q", c.name, w.Code, e.Error.Code, reached, c.status, c.code)
		}
	}
}

// TestReadJSON: malformed is 400, too large 413, unknown or mistyped
// fields 422 naming the field.
func TestReadJSON(t *testing.T) {
	type body struct {
		Concern string `json:"concern"`
	}
	cases := []struct {
		in     string
		status int
		code   string
		field  string
	}{
		{`{"concern":"x"}`, 200, "", ""},
		{`{"concern":`, 400, "bad_request", ""},
		{``, 400, "bad_request", ""},
		{`[]`, 400, "bad_request", ""},
		{`{"concern":"x"} {}`, 400, "bad_request", ""},
		{`{"concern":"x","phone":1}`, 422, "unknown_field", "phone"},
		{`{"concern":1}`, 422, "invalid", "concern"},
		{`{"concern":"` + strings.Repeat("x", maxJSONBody) + `"}`, 413, "body_too_large", ""},
	}
	for _, c := range cases {
		var b body
		err := readJSON(httptest.NewRequest("POST", "/", strings.NewReader(c.in)), &b)
		if err == nil {
			if c.status != 200 {
				t.Errorf("%.40q: accepted, want %d", c.in, c.status)
			}
			continue
		}
		p, _ := problemOf(err)
		if p == nil || statusOf(p.Kind) != c.status || p.Code != c.code || p.Field != c.field {
			t.Errorf("%.40q: %v, want %d %s field %q", c.in, err, c.status, c.code, c.field)
		}
	}
}
