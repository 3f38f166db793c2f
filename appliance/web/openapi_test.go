package web

import (
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestOpenAPIMatchesRoutes checks the contract in docs/api/openapi.yaml
// against the router in both directions: every documented operation is
// served, and every served /api/v1 operation is documented.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	b, err := os.ReadFile("../../docs/api/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Servers []struct{ URL string }
		Paths   map[string]map[string]any
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	s, err := New(nil, nil, nil, Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			if method == "parameters" {
				continue
			}
			m := strings.ToUpper(method)
			full := doc.Servers[0].URL + path
			documented[m+" "+full] = true
			concrete := full
			for _, seg := range []string{"{id}", "{room}", "{file}", "{token}", "{svc}"} {
				concrete = strings.ReplaceAll(concrete, seg, "x1")
			}
			concrete = strings.ReplaceAll(concrete, "{action}", "admit")
			_, pattern := s.mux.Handler(httptest.NewRequest(m, concrete, nil))
			if pattern == "" || pattern == "/api/" {
				t.Errorf("documented %s %s is not served", m, full)
			}
		}
	}
	for _, r := range s.routes_ {
		m, p, ok := strings.Cut(r, " ")
		if !ok || !strings.HasPrefix(p, "/api/v1/") {
			continue
		}
		if !documented[m+" "+p] {
			t.Errorf("served %s %s is not documented in openapi.yaml", m, p)
		}
	}
	if !slices.Contains(s.routes_, "POST /api/v1/offices/{id}/knocks") {
		t.Error("knock route missing")
	}
}
