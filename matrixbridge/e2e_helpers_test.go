package matrixbridge_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
	"github.com/buergerbuero/buergerbuero/appliance/config"
	"github.com/buergerbuero/buergerbuero/appliance/store/pgtest"
	"github.com/buergerbuero/buergerbuero/appliance/store/storetest"
	"github.com/buergerbuero/buergerbuero/matrixbridge"
	"github.com/buergerbuero/buergerbuero/matrixbridge/dendritetest"
)

// Wait bounds for conditions; generous because -race slows everything.
const (
	waitBridgeUp  = 90 * time.Second
	waitDelivery  = 30 * time.Second
	waitCatchUp   = 120 * time.Second
	outageSeconds = 30
)

// TestMain lets the test binary double as the bridge process, so tests can
// SIGKILL a real bridge: with BB_BRIDGE_ARGS set it runs matrixbridge.Main.
// Otherwise it runs the tests and stops PostgreSQL if a run on PostgreSQL
// (storetest) started it.
func TestMain(m *testing.M) {
	if args := os.Getenv("BB_BRIDGE_ARGS"); args != "" {
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
		code := matrixbridge.Main(ctx, strings.Split(args, "\x1f"), os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	code := m.Run()
	pgtest.Stop()
	os.Exit(code)
}

// env is a real appliance, a real Dendrite and the bridge between them.
type env struct {
	t      testing.TB
	app    *apptest.Server
	hs     *dendritetest.Server
	dir    string
	config string
	bridge *exec.Cmd
	exited chan struct{}
	logf   *os.File
}

// newEnv starts the three; configure, if given, adjusts the appliance's
// configuration.
func newEnv(t testing.TB, serverName string, configure ...func(*config.Config)) *env {
	t.Helper()
	e := &env{t: t, dir: t.TempDir()}
	mx := func(l string) string { return "@" + l + ":" + serverName }
	opts := apptest.Options{Quiet: true, ClerkMatrixIDs: map[string]string{"anna": mx("anna"), "ben": mx("ben")}}
	if len(configure) > 0 {
		opts.Configure = configure[0]
	}
	e.app = apptest.Start(t, opts)
	must(t, os.WriteFile(filepath.Join(e.dir, "token"), []byte(e.app.ServiceToken), 0o600))
	must(t, os.WriteFile(filepath.Join(e.dir, "ca.pem"), e.app.CertPEM, 0o600))
	asAddr := dendritetest.FreeAddr(t)
	reg := filepath.Join(e.dir, "registration.yaml")
	bridgeDB := filepath.Join(e.dir, "bridge.db")
	if storetest.Dialect() == "postgres" {
		// BUERGERBUERO_TEST_STORE=postgres: the bridge's database too
		bridgeDB = `"` + storetest.DSN(t, bridgeDB) + `"`
	}
	write := func(hsURL string) {
		cfg := fmt.Sprintf(`homeserver:
    address: %s
    domain: %s
    purge: dendrite
    admin_token_file: %s
appservice:
    listen: %s
    registration: %s
appliance:
    url: %s
    service_token_file: %s
    ca_file: %s
database: %s
language: de
retention: 0s
log_level: debug
`, hsURL, serverName, filepath.Join(e.dir, "admin-token"), asAddr, reg, e.app.URL,
			filepath.Join(e.dir, "token"), filepath.Join(e.dir, "ca.pem"), bridgeDB)
		e.config = filepath.Join(e.dir, "bridge.yaml")
		must(t, os.WriteFile(e.config, []byte(cfg), 0o600))
	}
	write("http://127.0.0.1:1")
	must(t, os.WriteFile(filepath.Join(e.dir, "admin-token"), []byte("placeholder"), 0o600))
	var out bytes.Buffer
	if code := matrixbridge.Main(context.Background(), []string{"--config", e.config, "--generate-registration"}, &out, &out); code != 0 {
		t.Fatalf("generate registration: %d %s", code, out.String())
	}
	e.hs = dendritetest.Start(t, dendritetest.Options{ServerName: serverName, AppServices: []string{reg}})
	write(e.hs.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := e.hs.Register(ctx, "hsadmin", "hsadmin-pw-123", true)
	must(t, err)
	must(t, os.WriteFile(filepath.Join(e.dir, "admin-token"), []byte(admin.AccessToken), 0o600))
	t.Cleanup(func() {
		e.stopBridge()
		if storetest.Dialect() == "postgres" && e.bridgeLog() != "" {
			// the bridge really kept its tables on PostgreSQL
			db, err := sql.Open("pgx", strings.Trim(bridgeDB, `"`))
			must(t, err)
			var v int
			if err := db.QueryRow(`SELECT version FROM bb_version`).Scan(&v); err != nil || v < 1 {
				t.Errorf("bridge tables on PostgreSQL: version %d, %v", v, err)
			}
			db.Close()
		}
		log := e.bridgeLog()
		for _, bad := range []string{"WARNING: DATA RACE", "purge room failed", "panic:"} {
			if i := strings.Index(log, bad); i >= 0 {
				t.Errorf("bridge log contains %q:\n%s", bad, log[i:min(len(log), i+6000)])
			}
		}
		if t.Failed() {
			if len(log) > 12000 {
				log = log[len(log)-12000:]
			}
			t.Logf("bridge log (tail):\n%s", log)
		}
	})
	return e
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// startBridge runs the bridge as a child process (the test binary, see TestMain).
func (e *env) startBridge() {
	e.t.Helper()
	args := strings.Join([]string{"--config", e.config, "--ignore-unsupported-server"}, "\x1f")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "BB_BRIDGE_ARGS="+args)
	f, err := os.OpenFile(filepath.Join(e.dir, "bridge.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	must(e.t, err)
	cmd.Stdout, cmd.Stderr = f, f
	must(e.t, cmd.Start())
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	e.bridge, e.exited, e.logf = cmd, done, f
}

// killBridge SIGKILLs the bridge: no graceful shutdown, nothing flushed.
func (e *env) killBridge() {
	if e.bridge == nil {
		return
	}
	_ = e.bridge.Process.Kill()
	<-e.exited
	e.logf.Close()
	e.bridge = nil
}

func (e *env) stopBridge() {
	if e.bridge == nil {
		return
	}
	_ = e.bridge.Process.Signal(syscall.SIGTERM)
	select {
	case <-e.exited:
	case <-time.After(15 * time.Second):
		_ = e.bridge.Process.Kill()
		<-e.exited
	}
	e.logf.Close()
	e.bridge = nil
}

func (e *env) bridgeLog() string {
	b, _ := os.ReadFile(filepath.Join(e.dir, "bridge.log"))
	return string(b)
}

// ---- Matrix side: a clerk's client that records everything it syncs ----

type seen struct {
	Room     id.RoomID
	ID       id.EventID
	Sender   id.UserID
	Type     event.Type
	Body     string
	MsgType  event.MessageType
	Replace  id.EventID // m.replace target
	URL      id.ContentURIString
	Member   event.Membership
	StateKey string
	At       time.Time
}

type mxUser struct {
	t      testing.TB
	cli    *mautrix.Client
	mu     sync.Mutex
	events []seen
	notify chan struct{}
	cancel context.CancelFunc
	done   chan struct{}
}

// newMXUser registers localpart on the homeserver, auto-joins invites and
// records every timeline event.
func (e *env) newMXUser(localpart string) *mxUser {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cli, err := e.hs.Register(ctx, localpart, localpart+"-pw-123456", false)
	must(e.t, err)
	u := &mxUser{t: e.t, cli: cli, notify: make(chan struct{}), done: make(chan struct{})}
	syncer := cli.Syncer.(*mautrix.DefaultSyncer)
	syncer.OnEvent(func(ctx context.Context, evt *event.Event) { u.record(evt) })
	sctx, scancel := context.WithCancel(context.Background())
	u.cancel = scancel
	go func() {
		defer close(u.done)
		for sctx.Err() == nil {
			_ = cli.SyncWithContext(sctx) // returns on errors (homeserver outage): sync again
			select {
			case <-sctx.Done():
			case <-time.After(200 * time.Millisecond):
			}
		}
	}()
	e.t.Cleanup(func() { scancel(); <-u.done })
	return u
}

func (u *mxUser) record(evt *event.Event) {
	s := seen{Room: evt.RoomID, ID: evt.ID, Sender: evt.Sender, Type: evt.Type, At: time.Now()}
	if evt.StateKey != nil {
		s.StateKey = *evt.StateKey
	}
	switch evt.Type {
	case event.StateMember:
		_ = evt.Content.ParseRaw(evt.Type)
		s.Member = evt.Content.AsMember().Membership
		if s.Member == event.MembershipInvite && s.StateKey == u.cli.UserID.String() {
			go func() { _, _ = u.cli.JoinRoomByID(context.Background(), evt.RoomID) }()
		}
	case event.EventMessage:
		_ = evt.Content.ParseRaw(evt.Type)
		m := evt.Content.AsMessage()
		s.Body, s.MsgType, s.URL = m.Body, m.MsgType, m.URL
		if m.RelatesTo != nil && m.RelatesTo.Type == event.RelReplace {
			s.Replace = m.RelatesTo.EventID
			if m.NewContent != nil {
				s.Body = m.NewContent.Body
			}
		}
	}
	u.mu.Lock()
	u.events = append(u.events, s)
	close(u.notify)
	u.notify = make(chan struct{})
	u.mu.Unlock()
}

// waitFor waits until cond holds on the recorded events.
func (u *mxUser) waitFor(timeout time.Duration, what string, cond func([]seen) bool) []seen {
	u.t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		u.mu.Lock()
		evs := append([]seen(nil), u.events...)
		ch := u.notify
		u.mu.Unlock()
		if cond(evs) {
			return evs
		}
		select {
		case <-ch:
		case <-deadline.C:
			var last []string
			for _, s := range evs[max(0, len(evs)-8):] {
				last = append(last, fmt.Sprintf("%s %s %q", s.Type.Type, s.Sender, s.Body))
			}
			u.t.Fatalf("%s: timed out after %s waiting for %s; last events:\n%s", u.cli.UserID, timeout, what, strings.Join(last, "\n"))
		}
	}
}

func messagesIn(evs []seen, room id.RoomID) []seen {
	var out []seen
	for _, s := range evs {
		if s.Room == room && s.Type == event.EventMessage && s.Replace == "" {
			out = append(out, s)
		}
	}
	return out
}

func (u *mxUser) send(room id.RoomID, text string) id.EventID {
	u.t.Helper()
	resp, err := u.cli.SendText(context.Background(), room, text)
	must(u.t, err)
	return resp.EventID
}
