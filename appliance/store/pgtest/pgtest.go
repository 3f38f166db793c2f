// Package pgtest starts a throw-away PostgreSQL cluster for tests: Debian's
// postgresql binaries (initdb, postgres) run as an unprivileged user on a
// Unix socket in a temporary directory, once per test binary, and every
// test gets a fresh, empty database of its own. It owns nothing else: the
// schema is the store's business (postgres.Open in appliance/store/postgres migrates).
//
// A package that uses it runs its tests through Main, which stops the
// cluster and removes its files afterwards (or calls Stop in its own
// TestMain):
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
//
// Missing binaries fail the test with the package to install; they never
// skip it.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// startTimeout bounds initdb plus the server's start-up on a loaded machine.
const startTimeout = 60 * time.Second

type cluster struct {
	dir   string // temporary directory: data/, the socket, the log
	cmd   *exec.Cmd
	exit  chan struct{} // closed when the server process has exited
	admin *pgx.Conn
	mu    sync.Mutex // admin
}

var (
	once     sync.Once
	running  *cluster
	startErr error
	dbs      atomic.Int64
)

// Main runs the tests and then stops the cluster, if one was started.
func Main(m *testing.M) int {
	code := m.Run()
	Stop()
	return code
}

// Stop stops the cluster, if one was started, and removes its files (for
// a TestMain that stops other servers too).
func Stop() {
	if running != nil {
		running.stop()
		running = nil
	}
}

// DSN creates an empty database for t and returns its connection string.
// The database is dropped when t ends.
func DSN(t testing.TB) string {
	t.Helper()
	once.Do(func() { running, startErr = start() })
	if startErr != nil {
		t.Fatalf("pgtest: %v", startErr)
	}
	name := fmt.Sprintf("t%d", dbs.Add(1))
	// German collation (ICU), as a county's server may well have: text
	// comparisons that must be byte-wise (key ranges) have to say so in
	// the schema, not rely on the test cluster's C locale
	if err := running.exec(`CREATE DATABASE ` + name + ` TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'de-DE' LOCALE 'C.UTF-8'`); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() { running.exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`) })
	return running.dsn(name)
}

func (c *cluster) dsn(db string) string {
	return "host=" + c.dir + " user=postgres dbname=" + db + " sslmode=disable"
}

func (c *cluster) exec(sql string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := c.admin.Exec(ctx, sql)
	return err
}

// binDir finds the newest installed PostgreSQL's binaries.
func binDir() (string, error) {
	if d := os.Getenv("BUERGERBUERO_PG_BIN"); d != "" {
		return d, nil
	}
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(found) == 0 {
		return "", errors.New("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): apt-get install -y postgresql")
	}
	sort.Slice(found, func(i, j int) bool { return version(found[i]) < version(found[j]) })
	return filepath.Dir(found[len(found)-1]), nil
}

func version(initdb string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(initdb))))
	return v
}

// runAs returns the credentials to run the server with: none for an
// unprivileged test, the postgres account for root (PostgreSQL refuses to
// run as root).
func runAs() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, errors.New("running as root needs the postgres account to start PostgreSQL as (it comes with the package: apt-get install -y postgresql)")
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

func start() (*cluster, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	cred, err := runAs()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		return nil, err
	}
	c := &cluster{dir: dir, exit: make(chan struct{})}
	fail := func(err error) (*cluster, error) {
		c.stop()
		return nil, err
	}
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return fail(err)
		}
	}
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	initdb.Dir = dir
	if out, err := initdb.CombinedOutput(); err != nil {
		return fail(fmt.Errorf("initdb: %v\n%s", err, out))
	}
	logf, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		return fail(err)
	}
	defer logf.Close()
	// Durability is worthless for a throw-away cluster; speed is not.
	// Only the Unix socket listens: nothing else on the machine sees it.
	c.cmd = exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-k", dir, "-c", "listen_addresses=",
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=300")
	c.cmd.Dir = dir
	c.cmd.Stdout, c.cmd.Stderr = logf, logf
	// a test binary that dies without Main's stop takes the server with it
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGINT}
	if err := c.cmd.Start(); err != nil {
		return fail(fmt.Errorf("start postgres: %w", err))
	}
	go func() { c.cmd.Wait(); close(c.exit) }()
	if c.admin, err = c.connect(); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "server.log"))
		return fail(fmt.Errorf("%w\nserver log:\n%s", err, log))
	}
	return c, nil
}

// connect waits until the server accepts connections, it exits or the
// start-up deadline passes.
func (c *cluster) connect() (*pgx.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	retry := time.NewTicker(20 * time.Millisecond)
	defer retry.Stop()
	for {
		conn, err := pgx.Connect(ctx, c.dsn("postgres"))
		if err == nil {
			return conn, nil
		}
		select {
		case <-c.exit:
			return nil, errors.New("postgres exited during start-up")
		case <-ctx.Done():
			return nil, fmt.Errorf("postgres did not accept connections within %s: %v", startTimeout, err)
		case <-retry.C:
		}
	}
}

// stop shuts the server down (fast shutdown: clients are disconnected)
// and removes the cluster's files.
func (c *cluster) stop() {
	if c.admin != nil {
		c.admin.Close(context.Background())
	}
	if c.cmd != nil && c.cmd.Process != nil {
		c.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-c.exit:
		case <-time.After(startTimeout):
			c.cmd.Process.Kill()
			<-c.exit
		}
	}
	if !strings.HasPrefix(c.dir, os.TempDir()) {
		return
	}
	os.RemoveAll(c.dir)
}
