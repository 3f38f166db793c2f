package cli_test

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
)

// TestDemoFirstRun starts README command 1 the way a new user does, with
// --addr 127.0.0.1:PORT, and checks what they would try first: when
// /healthz says ok the summary with the logins is already printed and the
// printed password is accepted; the certificate verifies for every name
// printed and for localhost, 127.0.0.1 and ::1; the printed /metrics answer.
func TestDemoFirstRun(t *testing.T) {
	addr := apptest.FreePort(t)
	_, port, _ := net.SplitHostPort(addr)
	d := apptest.StartDemo(t, addr)

	pw := d.Password("anna")
	if pw == "" {
		t.Fatalf("/healthz said ok before the demo printed its logins; printed so far:\n%s", d.Summary)
	}
	body, _ := json.Marshal(map[string]string{"login": "anna", "password": pw})
	req, _ := http.NewRequest("POST", d.URL+"/api/v1/staff/login", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	res, err := d.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	// 200, or a demand to set a new password: either way the printed
	// password is known to the appliance (401 would mean it is not)
	if res.StatusCode == http.StatusUnauthorized || res.StatusCode >= 500 {
		t.Errorf("printed login anna was refused right after /healthz said ok: %s", res.Status)
	}

	names := []string{"localhost", "127.0.0.1", "::1"}
	for _, m := range regexp.MustCompile(`https://([^/\s"]+)`).FindAllStringSubmatch(d.Summary, -1) {
		host, _, err := net.SplitHostPort(m[1])
		if err != nil {
			t.Fatalf("printed URL %s: %v", m[0], err)
		}
		names = append(names, host)
	}
	for _, name := range names {
		// the demo listens on 127.0.0.1 only; the name is what the client
		// checks (and sends as SNI when it is not an address)
		c, err := tls.Dial("tcp", net.JoinHostPort("127.0.0.1", port), d.TLSConfig(name))
		if err != nil {
			t.Errorf("TLS handshake for https://%s: %v", net.JoinHostPort(name, port), err)
			continue
		}
		c.Close()
	}

	m := regexp.MustCompile(`Metrics:\s+(http://\S+/metrics)`).FindStringSubmatch(d.Summary)
	if m == nil {
		t.Fatalf("the demo does not say where its /metrics are:\n%s", d.Summary)
	}
	res, err = http.Get(m[1])
	if err != nil {
		t.Fatalf("printed metrics URL: %v", err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(b), "buergerbuero_") {
		t.Errorf("GET %s: %s, no buergerbuero metrics", m[1], res.Status)
	}
}
