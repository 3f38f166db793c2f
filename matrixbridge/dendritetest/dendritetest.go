// Package dendritetest runs a real Dendrite homeserver (v0.15.2, built from
// the Go module proxy by scripts/tools/build) for integration tests: SQLite
// in a temporary directory, federation and open registration off, test
// users created with the shared-secret admin API. It owns nothing beyond the
// test's temporary directory and the Dendrite process it starts.
package dendritetest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/id"

	"github.com/buergerbuero/buergerbuero/internal/freeport"
)

// StartTimeout bounds how long Dendrite may take to answer /versions.
const StartTimeout = 60 * time.Second

// Options configure a test homeserver.
type Options struct {
	// ServerName defaults to "bb.test".
	ServerName string
	// AppServices are registration files to load (app_service_api.config_files).
	AppServices []string
}

// Server is a running Dendrite.
type Server struct {
	URL        string // http://127.0.0.1:port
	ServerName string
	Secret     string // registration_shared_secret

	t      testing.TB
	bin    string
	dir    string
	config string
	addr   string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

// Binary builds (once, cached) and returns the dendrite binary. Under
// -short a missing binary skips the test; otherwise it fails it.
func Binary(t testing.TB) string {
	t.Helper()
	root, err := repoRoot()
	if err == nil {
		out, berr := exec.Command(filepath.Join(root, "scripts", "tools", "build"), "dendrite").Output()
		if berr == nil {
			return strings.TrimSpace(string(out))
		}
		err = berr
		if ee, ok := berr.(*exec.ExitError); ok {
			err = fmt.Errorf("%w: %s", berr, ee.Stderr)
		}
	}
	msg := fmt.Sprintf("dendrite v0.15.2 could not be built with scripts/tools/build dendrite: %v", err)
	if testing.Short() {
		t.Skip(msg)
	}
	t.Fatal(msg)
	return ""
}

func repoRoot() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", fmt.Errorf("cannot locate the repository")
	}
	return filepath.Abs(filepath.Join(filepath.Dir(file), "..", ".."))
}

// FreeAddr returns a free 127.0.0.1 TCP address not handed out before in
// this test process.
func FreeAddr(t testing.TB) string {
	t.Helper()
	return freeport.Addr(t)
}

// Start writes a config, generates the signing key, starts Dendrite and
// waits until it answers. It is stopped when the test ends.
func Start(t testing.TB, opt Options) *Server {
	t.Helper()
	bin := Binary(t)
	if opt.ServerName == "" {
		opt.ServerName = "bb.test"
	}
	dir := t.TempDir()
	s := &Server{t: t, bin: bin, dir: dir, ServerName: opt.ServerName, Secret: randomHex(16), addr: FreeAddr(t)}
	s.URL = "http://" + s.addr
	keyGen := filepath.Join(filepath.Dir(bin), "generate-keys")
	if out, err := exec.Command(keyGen, "--private-key", filepath.Join(dir, "matrix_key.pem")).CombinedOutput(); err != nil {
		t.Fatalf("generate-keys: %v: %s", err, out)
	}
	s.config = filepath.Join(dir, "dendrite.yaml")
	if err := os.WriteFile(s.config, []byte(s.configYAML(opt)), 0o600); err != nil {
		t.Fatal(err)
	}
	s.Start()
	t.Cleanup(s.Stop)
	return s
}

func (s *Server) configYAML(opt Options) string {
	db := func(name string) string {
		return fmt.Sprintf("\n  database:\n    connection_string: file:%s\n", filepath.Join(s.dir, name+".db"))
	}
	var as strings.Builder
	for _, f := range opt.AppServices {
		fmt.Fprintf(&as, "\n    - %s", f)
	}
	return fmt.Sprintf(`version: 2
global:
  server_name: %s
  private_key: %s
  key_validity_period: 168h0m0s
  cache:
    max_size_estimated: 64mb
    max_age: 1h
  disable_federation: true
  presence:
    enable_inbound: false
    enable_outbound: false
  report_stats:
    enabled: false
  jetstream:
    storage_path: %s
    topic_prefix: Dendrite
app_service_api:
  disable_tls_validation: true
  config_files:%s
client_api:
  registration_disabled: true
  guests_disabled: true
  registration_shared_secret: %q
  rate_limiting:
    enabled: false
federation_api:%s  send_max_retries: 1
  key_perspectives: []
media_api:%s  base_path: %s
  max_file_size_bytes: 20971520
  dynamic_thumbnails: false
mscs:%s  mscs: []
relay_api:%s
room_server:%s
sync_api:%s
key_server:%s
user_api:
  bcrypt_cost: 4
  account_database:
    connection_string: file:%s
logging:
  - type: std
    level: warn
`, s.ServerName, filepath.Join(s.dir, "matrix_key.pem"), filepath.Join(s.dir, "jetstream"), as.String(), s.Secret,
		db("federation"), db("media"), filepath.Join(s.dir, "media"), db("mscs"), db("relay"), db("roomserver"),
		db("sync"), db("keys"), filepath.Join(s.dir, "accounts.db"))
}

// Start (re)starts the Dendrite process on the same address and data and
// waits until it answers /_matrix/client/versions.
func (s *Server) Start() {
	s.t.Helper()
	s.mu.Lock()
	if s.cmd != nil {
		s.mu.Unlock()
		return
	}
	log, err := os.OpenFile(filepath.Join(s.dir, "dendrite.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		s.mu.Unlock()
		s.t.Fatal(err)
	}
	cmd := exec.Command(s.bin, "--config", s.config, "--http-bind-address", s.addr, "--really-enable-open-registration=false")
	cmd.Dir = s.dir
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		log.Close()
		s.mu.Unlock()
		s.t.Fatalf("start dendrite: %v", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); log.Close(); close(done) }()
	s.cmd, s.done = cmd, done
	s.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), StartTimeout)
	defer cancel()
	if err := waitHTTP(ctx, s.URL+"/_matrix/client/versions", done); err != nil {
		logData, _ := os.ReadFile(filepath.Join(s.dir, "dendrite.log"))
		s.t.Fatalf("dendrite did not come up: %v\n%s", err, tail(logData, 4000))
	}
}

// Stop stops Dendrite (SIGTERM, then SIGKILL after 10 s) and waits for it.
func (s *Server) Stop() {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

// Log returns Dendrite's log so far (for failure messages).
func (s *Server) Log() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "dendrite.log"))
	return tail(b, 8000)
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

func waitHTTP(ctx context.Context, url string, exited <-chan struct{}) error {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-exited:
			return fmt.Errorf("dendrite exited")
		case <-tick.C:
		}
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Register creates a user with the shared-secret admin API and returns a
// client logged in as that user.
func (s *Server) Register(ctx context.Context, localpart, password string, admin bool) (*mautrix.Client, error) {
	var nonce struct {
		Nonce string `json:"nonce"`
	}
	if err := s.adminJSON(ctx, http.MethodGet, nil, &nonce); err != nil {
		return nil, fmt.Errorf("register nonce: %w", err)
	}
	mac := hmac.New(sha1.New, []byte(s.Secret))
	role := "notadmin"
	if admin {
		role = "admin"
	}
	mac.Write([]byte(nonce.Nonce + "\x00" + localpart + "\x00" + password + "\x00" + role))
	body := map[string]any{"nonce": nonce.Nonce, "username": localpart, "password": password, "admin": admin, "mac": hex.EncodeToString(mac.Sum(nil))}
	var out struct {
		UserID      id.UserID   `json:"user_id"`
		AccessToken string      `json:"access_token"`
		DeviceID    id.DeviceID `json:"device_id"`
	}
	if err := s.adminJSON(ctx, http.MethodPost, body, &out); err != nil {
		return nil, fmt.Errorf("register %s: %w", localpart, err)
	}
	cli, err := mautrix.NewClient(s.URL, out.UserID, out.AccessToken)
	if err != nil {
		return nil, err
	}
	cli.DeviceID = out.DeviceID
	return cli, nil
}

func (s *Server) adminJSON(ctx context.Context, method string, in, out any) error {
	var body *bytes.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	} else {
		body = bytes.NewReader(nil)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.URL+"/_synapse/admin/v1/register", body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		var e map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&e)
		return fmt.Errorf("%s: %v", resp.Status, e)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// UserID is the Matrix ID of localpart on this server.
func (s *Server) UserID(localpart string) id.UserID {
	return id.NewUserID(localpart, s.ServerName)
}
