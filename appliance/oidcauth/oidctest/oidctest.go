// Package oidctest runs the test OpenID provider (scripts/tools/oidcop:
// zitadel/oidc v3.52.0, built from the Go module proxy by
// scripts/tools/build, or taken from $BUERGERBUERO_OIDCOP) for tests: one
// process per test binary, on a loopback port, with a control API to add
// users and clients, change a user's groups and tamper with the next ID
// token. It owns nothing beyond that process.
package oidctest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/internal/freeport"
)

// Provider is the running test provider.
type Provider struct {
	Issuer string // http://127.0.0.1:port
}

// User is an account at the provider.
type User struct {
	ID       string   `json:"id"`
	Username string   `json:"username"`
	Password string   `json:"password"`
	Name     string   `json:"name"`
	Groups   []string `json:"groups"`
	Roles    []string `json:"roles"`
}

// Client is a confidential client of the appliance.
type Client struct {
	ID         string   `json:"id"`
	Secret     string   `json:"secret"`
	Redirects  []string `json:"redirect_uris"`
	PostLogout []string `json:"post_logout_redirect_uris"`
}

var (
	once   sync.Once
	shared *Provider
	err0   error
)

// Shared starts the provider once per test binary (it dies with it) and
// returns it. Under -short a missing binary skips the test.
func Shared(t testing.TB) *Provider {
	t.Helper()
	once.Do(func() { shared, err0 = start() })
	if err0 != nil {
		if testing.Short() {
			t.Skip(err0)
		}
		t.Fatal(err0)
	}
	return shared
}

func binary() (string, error) {
	if b := os.Getenv("BUERGERBUERO_OIDCOP"); b != "" {
		return b, nil
	}
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..", "..")
	out, err := exec.Command(filepath.Join(root, "scripts", "tools", "build"), "oidcop").Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			err = fmt.Errorf("%w: %s", err, ee.Stderr)
		}
		return "", fmt.Errorf("the test OpenID provider could not be built with scripts/tools/build oidcop: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

func start() (*Provider, error) {
	bin, err := binary()
	if err != nil {
		return nil, err
	}
	port, err := freeport.Get("tcp", "127.0.0.1")
	if err != nil {
		return nil, err
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	cmd := exec.Command(bin, "-addr", addr)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if os.Getenv("BUERGERBUERO_OIDCOP_LOG") != "" {
		cmd.Stderr = os.Stderr
	}
	// the provider ends with the test binary
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go cmd.Wait()
	p := &Provider{Issuer: "http://" + addr}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(p.Issuer + "/.well-known/openid-configuration")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p, nil
			}
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			return nil, fmt.Errorf("test OpenID provider did not answer discovery at %s: %v", p.Issuer, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (p *Provider) post(t testing.TB, path string, body any) {
	t.Helper()
	b, _ := json.Marshal(body)
	resp, err := http.Post(p.Issuer+path, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		msg, _ := io.ReadAll(resp.Body)
		t.Fatalf("test provider %s: %d %s", path, resp.StatusCode, msg)
	}
}

// AddUser adds or replaces a user.
func (p *Provider) AddUser(t testing.TB, u User) { p.post(t, "/test/users", u) }

// AddClient registers a client.
func (p *Provider) AddClient(t testing.TB, c Client) { p.post(t, "/test/clients", c) }

// SetGroups changes a user's groups (the next token or userinfo shows them).
func (p *Provider) SetGroups(t testing.TB, userID string, groups ...string) {
	if groups == nil {
		groups = []string{}
	}
	p.post(t, "/test/groups?user="+userID, groups)
}

// TamperNext makes the token endpoint alter a claim of the next ID token
// it issues (the signature then no longer matches).
func (p *Provider) TamperNext(t testing.TB) { p.post(t, "/test/tamper", nil) }

// Sessions counts the user's sessions at the provider.
func (p *Provider) Sessions(t testing.TB, userID string) int {
	t.Helper()
	resp, err := http.Get(p.Issuer + "/test/sessions?user=" + userID)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	n, err := strconv.Atoi(string(b))
	if err != nil {
		t.Fatalf("test provider sessions: %q", b)
	}
	return n
}
