package bench

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/buergerbuero/buergerbuero/internal/freeport"
)

// Centrifugo v6.9.1 (built once from the Go module proxy by
// scripts/tools/build, nothing of it in this repository) is the fan-out
// benchmark's peer: same clients, same TLS (Go's crypto/tls, an ECDSA
// P-256 certificate like the appliance's internal CA issues), same
// payload per client as the appliance's waiting-room view.

func centrifugoPerClient(b *testing.B, n int) fanoutTarget {
	return centrifugo(b, n, false)
}

func centrifugoBroadcast(b *testing.B, n int) fanoutTarget {
	return centrifugo(b, n, true)
}

// viewPayload is a waiting-room message of the same shape and size as the
// appliance's for the citizen at place.
func viewPayload(i, place int) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"type":"ticket","ticket":{"id":"%026d","number":"B-%03d","office_id":"buergerbuero","office_name":"Bürgerbüro","state":"queued","place":%d,"estimate_seconds":%d,"concern":"Messung der Verteilung","language":"de","knocked_at":"2026-11-30T03:00:00.123456789Z"}}`, i, i%1000, place, place*300))
}

func centrifugo(b *testing.B, n int, broadcast bool) fanoutTarget {
	tg := fanoutTarget{name: "centrifugo-per-client"}
	if broadcast {
		tg.name = "centrifugo-broadcast"
	}
	bin := toolBinary(b, "centrifugo")
	dir := b.TempDir()
	certPEM, keyPEM := selfSigned(b)
	addr := freeport.Addr(b)
	host, portText, _ := net.SplitHostPort(addr)
	var port int
	fmt.Sscan(portText, &port)
	apiKey := "bench-api-key"
	cfg := map[string]any{
		"http_server": map[string]any{"address": host, "port": port,
			"tls": map[string]any{"enabled": true, "cert_pem": string(certPEM), "key_pem": string(keyPEM)}},
		// anonymous clients may connect and subscribe (the appliance's
		// citizens have no account either; their ticket token is checked
		// at connect, Centrifugo checks nothing: in its favour)
		"client":    map[string]any{"insecure": true, "allowed_origins": []string{"*"}},
		"http_api":  map[string]any{"key": apiKey},
		"websocket": map[string]any{"use_write_buffer_pool": true},
		"log":       map[string]any{"level": "error"},
	}
	raw, _ := json.Marshal(cfg)
	if err := os.WriteFile(filepath.Join(dir, "config.json"), raw, 0o600); err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(bin, "--config", filepath.Join(dir, "config.json"))
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	tlsConf := &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsConf}}
	api := "https://" + addr + "/api"
	waitUp(b, hc, api+"/info", apiKey)

	d := websocket.Dialer{TLSClientConfig: tlsConf, HandshakeTimeout: 30 * time.Second, ReadBufferSize: 512, WriteBufferSize: 256}
	channel := func(i int) string {
		if broadcast {
			return "queue"
		}
		return fmt.Sprintf("t%d", i)
	}
	tg.pid = cmd.Process.Pid
	tg.dial = func(i int) (*websocket.Conn, error) {
		ws, _, err := d.Dial("wss://"+addr+"/connection/websocket", nil)
		if err != nil {
			return nil, err
		}
		msg := fmt.Sprintf(`{"id":1,"connect":{}}`+"\n"+`{"id":2,"subscribe":{"channel":%q}}`, channel(i))
		if err := ws.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
			return nil, err
		}
		return ws, nil
	}
	tg.ready = func(ws *websocket.Conn) (int, error) {
		// the connect and subscribe replies, in one frame or two
		got := 0
		for got < 2 {
			_, msg, err := ws.ReadMessage()
			if err != nil {
				return 0, err
			}
			for _, line := range bytes.Split(msg, []byte("\n")) {
				if bytes.Contains(line, []byte(`"error"`)) {
					return 0, fmt.Errorf("centrifugo: %s", line)
				}
				if bytes.HasPrefix(line, []byte(`{"id":`)) {
					got++
				}
			}
		}
		return 0, nil // client i is at place i+1 (the channel says who)
	}
	// Centrifugo's own keep-alive: an empty message, answered with one
	tg.answer = func(msg []byte) []byte {
		if string(msg) == "{}" {
			return msg
		}
		return nil
	}
	tg.update = func(msg []byte) (int, bool) {
		// a push with the view as its data, scanned like the appliance's
		if !bytes.Contains(msg, []byte(`{"push":`)) {
			return 0, false
		}
		return ticketPlace(msg)
	}
	// the request is built before the clock starts, as the appliance has
	// its views at hand
	tg.change = func(round int, _ []int) func() int {
		if broadcast {
			body, _ := json.Marshal(map[string]any{"channel": "queue", "data": viewPayload(0, 1)})
			return func() int { return publish(b, hc, api+"/publish", apiKey, body, n) }
		}
		type cmd struct {
			Publish struct {
				Channel string          `json:"channel"`
				Data    json.RawMessage `json:"data"`
			} `json:"publish"`
		}
		cmds := make([]cmd, 0, n)
		for i := round + 1; i < n; i++ {
			var c cmd
			c.Publish.Channel, c.Publish.Data = channel(i), viewPayload(i, i-round)
			cmds = append(cmds, c)
		}
		body, _ := json.Marshal(map[string]any{"commands": cmds, "parallel": true})
		return func() int { return publish(b, hc, api+"/batch", apiKey, body, len(cmds)) }
	}
	tg.stop = func() { cmd.Process.Kill(); cmd.Wait() }
	return tg
}

func publish(b *testing.B, hc *http.Client, url, key string, body []byte, want int) int {
	req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
	req.Header.Set("X-API-Key", key)
	req.Header.Set("Content-Type", "application/json")
	res, err := hc.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		b.Fatalf("centrifugo %s: %s", url, res.Status)
	}
	return want
}

// waitUp polls until the freshly started server answers (no other signal
// to wait on from outside).
func waitUp(b *testing.B, hc *http.Client, url, key string) {
	deadline := time.Now().Add(30 * time.Second)
	for {
		req, _ := http.NewRequest("POST", url, strings.NewReader("{}"))
		req.Header.Set("X-API-Key", key)
		res, err := hc.Do(req)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return
			}
		}
		if time.Now().After(deadline) {
			b.Fatalf("centrifugo did not start: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// toolBinary builds (once, cached) or finds a test tool by name.
func toolBinary(b *testing.B, name string) string {
	out, err := exec.Command("../scripts/tools/build", name).Output()
	if err != nil {
		b.Fatalf("scripts/tools/build %s: %v", name, err)
	}
	return strings.TrimSpace(string(out))
}

// selfSigned makes an ECDSA P-256 certificate for 127.0.0.1.
func selfSigned(b *testing.B) (certPEM, keyPEM []byte) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		b.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(key)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
}
