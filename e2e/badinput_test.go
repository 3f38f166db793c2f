package e2e

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
)

// TestBadInputGetsClearErrors: wrong input never crashes or loses data; it
// gets the right status and a message a person understands, in German by
// default and in English on request.
func TestBadInputGetsClearErrors(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true, Configure: func(c *configT) { c.Reception.MaxUpload = 2048 }})
	hc := srv.Client()
	k := newClient(t, srv).knock("buergerbuero", "Fehlerfälle")
	cases := []struct {
		name, method, path, body, lang string
		status                         int
		code                           string
	}{
		{"not JSON", "POST", "/api/v1/offices/buergerbuero/knocks", "{concern", "", 400, "bad_request"},
		{"unknown field", "POST", "/api/v1/offices/buergerbuero/knocks", `{"concern":"Ausweis","phone":"0171"}`, "", 422, "unknown_field"},
		{"concern too long", "POST", "/api/v1/offices/buergerbuero/knocks", `{"concern":"` + strings.Repeat("x", 501) + `"}`, "en", 422, "invalid"},
		{"unknown office", "POST", "/api/v1/offices/finanzamt/knocks", `{"concern":"Steuer"}`, "", 404, "office_not_found"},
		{"no token", "GET", "/api/v1/tickets/" + k.ID, "", "", 401, "bad_token"},
		{"unknown API path", "GET", "/api/v1/nothing", "", "", 404, "not_found"},
		{"wrong method", "PUT", "/api/v1/offices", "", "", 405, "method_not_allowed"},
		{"staff without session", "GET", "/api/v1/staff/offices", "", "", 401, "unauthorized"},
		{"invite without token", "POST", "/api/v1/invites/redeem", "", "", 410, "invite_invalid"},
	}
	for _, c := range cases {
		req, _ := http.NewRequest(c.method, srv.URL+c.path, strings.NewReader(c.body))
		req.Header.Set("Content-Type", "application/json")
		if c.lang != "" {
			req.Header.Set("Accept-Language", c.lang)
		}
		res, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		json.NewDecoder(res.Body).Decode(&e)
		res.Body.Close()
		if res.StatusCode != c.status || e.Error.Code != c.code || e.Error.Message == "" {
			t.Errorf("%s: %d %+v, want %d %s with a message", c.name, res.StatusCode, e.Error, c.status, c.code)
		}
		if c.lang == "en" && !strings.Contains(e.Error.Message, "characters") {
			t.Errorf("%s: English requested, got %q", c.name, e.Error.Message)
		}
		if c.lang == "" && e.Error.Code == "invalid" && !strings.Contains(e.Error.Message, "Zeichen") {
			t.Errorf("%s: German by default, got %q", c.name, e.Error.Message)
		}
	}
	// a file over the limit is refused with 413 and nothing is stored
	anna := newClient(t, srv)
	anna.login("anna", srv.Clerks[0].Password)
	var adm struct {
		RoomID string `json:"room_id"`
	}
	anna.do("POST", "/api/v1/staff/tickets/"+k.ID+"/admit", map[string]string{}, &adm)
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "gross.pdf")
	fw.Write(bytes.Repeat([]byte("%"), 4096))
	mw.Close()
	req, _ := http.NewRequest("POST", srv.URL+"/api/v1/tickets/"+k.ID+"/files", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+k.Token)
	res, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 413 {
		t.Fatalf("oversized file: %d", res.StatusCode)
	}
	var msgs struct{ Messages []any }
	anna.do("GET", "/api/v1/rooms/"+adm.RoomID+"/messages", nil, &msgs)
	if len(msgs.Messages) != 0 {
		t.Fatalf("oversized file was stored: %+v", msgs)
	}
}
