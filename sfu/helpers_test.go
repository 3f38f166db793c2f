package sfu

import (
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Named waits: every wait in these tests polls a condition until one of
// these deadlines, never sleeps a fixed time.
const (
	waitConnect = 10 * time.Second // ICE + DTLS on loopback, generous under -race
	waitMedia   = 10 * time.Second // first forwarded packets
	waitLeak    = 10 * time.Second // goroutines to wind down after Close
	pollEvery   = 10 * time.Millisecond
)

// eventually polls cond until it holds or the deadline passes.
func eventually(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", within, what)
		}
		time.Sleep(pollEvery) // polling a test condition, not synchronising the SFU
	}
}

// tokenAuth is a test Authorizer: token → grant.
type tokenAuth struct {
	mu     sync.Mutex
	grants map[string]Grant
}

func (a *tokenAuth) Authorize(_ context.Context, token string) (Grant, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	g, ok := a.grants[token]
	if !ok {
		return Grant{}, errors.New("unknown token")
	}
	return g, nil
}

// issue registers a token for identity in room with role.
func (a *tokenAuth) issue(room, identity string, role Role) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	tok := room + "/" + identity + "/" + role.String()
	a.grants[tok] = Grant{Room: room, Identity: identity, DisplayName: identity, Role: role, Expires: time.Now().Add(time.Hour)}
	return tok
}

// testEnv is an SFU on loopback with its signalling endpoint.
type testEnv struct {
	sfu  *SFU
	auth *tokenAuth
	srv  *httptest.Server
	reg  *prometheus.Registry
	once sync.Once
}

func newTestEnv(t testing.TB, cfg Config) *testEnv {
	t.Helper()
	if cfg.BindIP == "" {
		cfg.BindIP = "127.0.0.1"
	}
	auth := &tokenAuth{grants: map[string]Grant{}}
	reg := prometheus.NewRegistry()
	level := slog.LevelWarn
	if os.Getenv("SFU_TEST_DEBUG") != "" {
		level = slog.LevelDebug
	}
	s, err := New(cfg, auth, reg, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	srv := httptest.NewServer(s.Handler())
	env := &testEnv{sfu: s, auth: auth, srv: srv, reg: reg}
	t.Cleanup(env.close)
	return env
}

func (e *testEnv) close() {
	e.once.Do(func() {
		_ = e.sfu.Close()
		e.srv.Close()
	})
}

func (e *testEnv) wsURL(token string) string {
	return "ws" + strings.TrimPrefix(e.srv.URL, "http") + "/?access_token=" + token
}

// counter reads a metric of the env's registry (0 if absent).
func (e *testEnv) counter(name string) float64 {
	mfs, err := e.reg.Gather()
	if err != nil {
		return 0
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			switch {
			case m.Counter != nil:
				return m.Counter.GetValue()
			case m.Gauge != nil:
				return m.Gauge.GetValue()
			}
		}
	}
	return 0
}
