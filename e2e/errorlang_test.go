package e2e

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
)

// TestErrorMessageInNegotiatedLanguage: an API error's message is in the
// language negotiated from Accept-Language with its q-values (tr, ar;q=0.8
// gives Turkish), an unsupported language gets German, and an explicit
// choice (?lang=, the bb_lang cookie) wins over the header. The staff API
// speaks German or English only. The old message_en member is gone.
func TestErrorMessageInNegotiatedLanguage(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true})
	tooLong := `{"concern":"` + strings.Repeat("x", 501) + `"}`
	cases := []struct {
		name, path, accept, cookie string
		want                       string // part of the message
	}{
		{"Turkish first", "/api/v1/offices/buergerbuero/knocks", "tr, ar;q=0.8", "", "Lütfen metni en fazla 500 karaktere kısaltın"},
		{"Arabic preferred by q", "/api/v1/offices/buergerbuero/knocks", "tr;q=0.5, ar", "", "يرجى اختصار النص"},
		{"unsupported language", "/api/v1/offices/buergerbuero/knocks", "xx", "", "Bitte kürzen Sie den Text auf höchstens 500 Zeichen (jetzt 501)"},
		{"no header", "/api/v1/offices/buergerbuero/knocks", "", "", "Bitte kürzen Sie den Text"},
		{"?lang= wins", "/api/v1/offices/buergerbuero/knocks?lang=uk", "tr, ar;q=0.8", "", "Будь ласка, скоротіть текст"},
		{"cookie wins", "/api/v1/offices/buergerbuero/knocks", "tr", "ru", "Пожалуйста, сократите текст"},
		{"Leichte Sprache by choice", "/api/v1/offices/buergerbuero/knocks?lang=de-x-ls", "en", "", "Ihr Text ist zu lang."},
	}
	for _, c := range cases {
		req, _ := http.NewRequest("POST", srv.URL+c.path, strings.NewReader(tooLong))
		req.Header.Set("Content-Type", "application/json")
		if c.accept != "" {
			req.Header.Set("Accept-Language", c.accept)
		}
		if c.cookie != "" {
			req.AddCookie(&http.Cookie{Name: "bb_lang", Value: c.cookie})
		}
		st, body := send(t, srv, req)
		if st != http.StatusUnprocessableEntity || !strings.Contains(body, `"code":"invalid"`) || !strings.Contains(body, `"field":"concern"`) || !strings.Contains(body, c.want) {
			t.Errorf("%s: %d %s, want 422 invalid concern with %q", c.name, st, body, c.want)
		}
		if strings.Contains(body, "message_en") {
			t.Errorf("%s: the answer still has message_en: %s", c.name, body)
		}
	}
	// the staff API: German, or English; Turkish is not offered there
	for accept, want := range map[string]string{"tr, en;q=0.5": "Please sign in.", "tr": "Bitte melden Sie sich an.", "": "Bitte melden Sie sich an."} {
		req, _ := http.NewRequest("GET", srv.URL+"/api/v1/staff/me", nil)
		if accept != "" {
			req.Header.Set("Accept-Language", accept)
		}
		if st, body := send(t, srv, req); st != http.StatusUnauthorized || !strings.Contains(body, want) {
			t.Errorf("staff API, Accept-Language %q: %d %s, want 401 with %q", accept, st, body, want)
		}
	}
}

func send(t *testing.T, srv *apptest.Server, req *http.Request) (int, string) {
	t.Helper()
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}
