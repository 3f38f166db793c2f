package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

type fakePoW struct{ n int }

func (f *fakePoW) Challenge() (any, error) {
	f.n++
	return map[string]any{"algorithm": "SHA-256", "challenge": "c", "maxNumber": 1000, "salt": "s?expires=1&", "signature": "sig", "n": f.n}, nil
}
func (f *fakePoW) Verify(string) (bool, error) { return false, nil }

// Every request gets a fresh, uncached challenge; without a proof of work
// configured there is none to get.
func TestPowChallengeEndpoint(t *testing.T) {
	s, err := New(nil, nil, nil, Options{ProofOfWork: &fakePoW{}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var prev float64
	for i := range 2 {
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/pow/challenge", nil))
		if rec.Code != 200 || rec.Header().Get("Cache-Control") != "no-store" {
			t.Fatalf("status %d, Cache-Control %q", rec.Code, rec.Header().Get("Cache-Control"))
		}
		var c map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &c); err != nil || c["algorithm"] != "SHA-256" {
			t.Fatalf("body %s: %v", rec.Body, err)
		}
		if i > 0 && c["n"] == prev {
			t.Fatal("the same challenge twice")
		}
		prev, _ = c["n"].(float64)
	}

	s, _ = New(nil, nil, nil, Options{}, nil)
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/pow/challenge", nil))
	if rec.Code != 404 {
		t.Fatalf("without proof of work: status %d, want 404", rec.Code)
	}
}
