package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
)

// rawCall sends one request exactly as given and returns status and error body.
type rawCall struct {
	method, path, body string
	header             map[string]string
}

type errorJSON struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field"`
	} `json:"error"`
}

func (c rawCall) do(t *testing.T, srv *apptest.Server) (int, errorJSON) {
	t.Helper()
	var body io.Reader = strings.NewReader(c.body)
	if c.body == "" {
		body = nil
	}
	req, _ := http.NewRequest(c.method, srv.URL+c.path, body)
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var e errorJSON
	json.NewDecoder(res.Body).Decode(&e)
	return res.StatusCode, e
}

// TestPublicAPIRefusesWhatItShould: the citizen API refuses a body that is
// not JSON (415; a foreign page could otherwise knock with text/plain and
// no preflight), requests sent by another site (403, the embedding origins
// included: their widget only links into our pages), malformed JSON (400),
// a body over the limit (413) and a field that fails validation (422,
// field named), each with a message in the reader's language; a
// programmatic client without Origin still knocks.
func TestPublicAPIRefusesWhatItShould(t *testing.T) {
	const embedder = "https://www.kreis-musterland.de"
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true, Configure: func(c *configT) {
		c.HTTP.FrameAncestors = []string{embedder}
	}})
	knock := "/api/v1/offices/buergerbuero/knocks"
	valid := `{"concern":"Personalausweis","language":"de"}`
	jsonCT := map[string]string{"Content-Type": "application/json"}
	with := func(h map[string]string) map[string]string {
		m := map[string]string{"Content-Type": "application/json"}
		for k, v := range h {
			m[k] = v
		}
		return m
	}
	cases := []struct {
		name   string
		call   rawCall
		status int
		code   string
		field  string
		want   string // part of the message: English with Accept-Language: en, else German
	}{
		{"text/plain knock", rawCall{"POST", knock, valid, map[string]string{"Content-Type": "text/plain"}}, 415, "unsupported_media_type", "", "Bitte senden Sie JSON"},
		{"form knock", rawCall{"POST", knock, "concern=x", map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Accept-Language": "en"}}, 415, "unsupported_media_type", "", "Please send JSON"},
		{"no content type", rawCall{"POST", knock, valid, nil}, 415, "unsupported_media_type", "", "Bitte senden Sie JSON"},
		{"JSON in latin1", rawCall{"POST", knock, valid, map[string]string{"Content-Type": "application/json; charset=iso-8859-1"}}, 415, "unsupported_media_type", "", "Bitte senden Sie JSON"},
		{"foreign origin", rawCall{"POST", knock, valid, with(map[string]string{"Origin": "https://evil.example"})}, 403, "cross_site", "", "fremden Websites"},
		{"embedding origin", rawCall{"POST", knock, valid, with(map[string]string{"Origin": embedder})}, 403, "cross_site", "", "fremden Websites"},
		{"cross-site fetch", rawCall{"POST", knock, valid, with(map[string]string{"Sec-Fetch-Site": "cross-site", "Accept-Language": "en"})}, 403, "cross_site", "", "other websites"},
		{"opaque origin", rawCall{"POST", knock, valid, with(map[string]string{"Origin": "null"})}, 403, "cross_site", "", "fremden Websites"},
		{"malformed JSON", rawCall{"POST", knock, `{"concern":`, jsonCT}, 400, "bad_request", "", "kein gültiges JSON"},
		{"two JSON values", rawCall{"POST", knock, valid + valid, jsonCT}, 400, "bad_request", "", "kein gültiges JSON"},
		{"too large", rawCall{"POST", knock, `{"concern":"` + strings.Repeat("x", 70<<10) + `"}`, jsonCT}, 413, "body_too_large", "", "zu groß"},
		{"concern too long", rawCall{"POST", knock, `{"concern":"` + strings.Repeat("x", 501) + `"}`, with(map[string]string{"Accept-Language": "en"})}, 422, "invalid", "concern", "characters"},
		{"unknown field", rawCall{"POST", knock, `{"concern":"Ausweis","phone":"0171"}`, with(map[string]string{"Accept-Language": "en"})}, 422, "unknown_field", "phone", "phone"},
		{"wrong type", rawCall{"POST", knock, `{"concern":42}`, jsonCT}, 422, "invalid", "concern", "„concern“ hat den falschen Typ"},
	}
	for _, c := range cases {
		st, e := c.call.do(t, srv)
		if st != c.status || e.Error.Code != c.code || e.Error.Field != c.field || e.Error.Message == "" {
			t.Errorf("%s: %d %+v, want %d %s field %q with messages", c.name, st, e.Error, c.status, c.code, c.field)
			continue
		}
		if !strings.Contains(e.Error.Message, c.want) {
			t.Errorf("%s: Accept-Language %q, got %q, want it to contain %q", c.name, c.call.header["Accept-Language"], e.Error.Message, c.want)
		}
	}
	// none of the refused knocks reached the queue
	var office struct{ Waiting int }
	newClient(t, srv).do("GET", "/api/v1/offices/buergerbuero", nil, &office)
	if office.Waiting != 0 {
		t.Fatalf("refused knocks were queued: %d waiting", office.Waiting)
	}
	// a same-origin browser and a client without Origin (the bridge, curl) are served
	for _, h := range []map[string]string{with(map[string]string{"Origin": srv.URL, "Sec-Fetch-Site": "same-origin"}), {"Content-Type": "application/json; charset=UTF-8"}} {
		if st, e := (rawCall{"POST", knock, valid, h}).do(t, srv); st != 201 {
			t.Fatalf("knock with %v: %d %+v", h, st, e.Error)
		}
	}
}

// TestTokensStayOutOfURLs: a ticket token in the query is refused on a
// plain GET and on the WebSocket upgrade (401 token_in_url); the browser's
// way in is a single-use stream key obtained with the token in the
// Authorization header, which opens its one stream once.
func TestTokensStayOutOfURLs(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true})
	k := newClient(t, srv).knock("buergerbuero", "Meldebescheinigung")
	events := "/api/v1/tickets/" + k.ID + "/events"
	bearer := map[string]string{"Authorization": "Bearer " + k.Token}

	if st, e := (rawCall{"GET", "/api/v1/tickets/" + k.ID + "?access_token=" + url.QueryEscape(k.Token), "", nil}).do(t, srv); st != 401 || e.Error.Code != "token_in_url" {
		t.Fatalf("token in the query of a GET: %d %+v", st, e.Error)
	}
	if st, _ := (rawCall{"GET", "/api/v1/tickets/" + k.ID, "", bearer}).do(t, srv); st != 200 {
		t.Fatalf("token in the header: %d", st)
	}
	wss := "wss://" + strings.TrimPrefix(srv.URL, "https://")
	d := websocket.Dialer{TLSClientConfig: srv.TLSConfig()}
	refused := func(what, u, code string) {
		t.Helper()
		ws, res, err := d.Dial(u, nil)
		if err == nil {
			ws.Close()
			t.Fatalf("%s: WebSocket opened", what)
		}
		var e errorJSON
		if res != nil {
			json.NewDecoder(res.Body).Decode(&e)
		}
		if res == nil || res.StatusCode != 401 || e.Error.Code != code {
			t.Fatalf("%s: %v %+v, want 401 %s", what, err, e.Error, code)
		}
	}
	refused("old ?access_token= upgrade", wss+events+"?access_token="+url.QueryEscape(k.Token), "token_in_url")

	key := func(stream string) (int, string) {
		b, _ := json.Marshal(map[string]string{"stream": stream})
		req, _ := http.NewRequest("POST", srv.URL+"/api/v1/stream-keys", bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+k.Token)
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out struct{ Key string }
		json.NewDecoder(res.Body).Decode(&out)
		return res.StatusCode, out.Key
	}
	st, sk := key(events)
	if st != 201 || sk == "" {
		t.Fatalf("stream key: %d", st)
	}
	ws, _, err := d.Dial(wss+events+"?stream_key="+url.QueryEscape(sk), nil)
	if err != nil {
		t.Fatalf("WebSocket with a stream key: %v", err)
	}
	var v struct{ Ticket ticketView }
	if err := ws.ReadJSON(&v); err != nil || v.Ticket.ID != k.ID || v.Ticket.Place != 1 {
		t.Fatalf("first view: %+v %v", v, err)
	}
	ws.Close()
	refused("the same key again", wss+events+"?stream_key="+url.QueryEscape(sk), "stream_key_invalid")
	_, other := key(events)
	refused("a key on another stream", wss+"/api/v1/tickets/"+k.ID+"x/events?stream_key="+url.QueryEscape(other), "stream_key_invalid")
	if st, e := (rawCall{"GET", "/api/v1/tickets/" + k.ID + "?stream_key=" + url.QueryEscape(other), "", nil}).do(t, srv); st != 401 || e.Error.Code != "token_in_url" {
		t.Fatalf("stream key on a plain GET: %d %+v", st, e.Error)
	}
	// no key for somebody else's ticket, nor without a token
	other2 := newClient(t, srv).knock("buergerbuero", "Wohnsitz")
	if st, _ := key("/api/v1/tickets/" + other2.ID + "/events"); st != 401 {
		t.Fatalf("key for another citizen's ticket: %d", st)
	}
	if st, e := (rawCall{"POST", "/api/v1/stream-keys", `{"stream":"` + events + `"}`, map[string]string{"Content-Type": "application/json"}}).do(t, srv); st != 401 {
		t.Fatalf("key without a token: %d %+v", st, e.Error)
	}
}
