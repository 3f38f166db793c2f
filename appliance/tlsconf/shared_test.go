package tlsconf

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/config"
	"github.com/buergerbuero/buergerbuero/appliance/store"
	"github.com/buergerbuero/buergerbuero/appliance/store/pgtest"
	"github.com/buergerbuero/buergerbuero/appliance/store/postgres"
)

// The shared storage's tests run on a throw-away PostgreSQL (pgtest); it
// starts only when a test asks for a database.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// nodesOnOnePostgres opens n stores on one new PostgreSQL database, as n
// nodes would.
func nodesOnOnePostgres(t *testing.T, n int) []*store.DB {
	t.Helper()
	dsn := pgtest.DSN(t)
	var dbs []*store.DB
	for range n {
		db, err := postgres.Open(context.Background(), dsn, "")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		dbs = append(dbs, db)
	}
	return dbs
}

// fastLocks shortens the storage's lock timing for a test.
func fastLocks(s *SharedStorage, stale time.Duration) *SharedStorage {
	s.stale, s.refresh, s.poll = stale, stale/4, 20*time.Millisecond
	return s
}

func TestSharedStorageContract(t *testing.T) {
	ctx := context.Background()
	s := NewSharedStorage(nodesOnOnePostgres(t, 1)[0], testLogger(t))

	if _, err := s.Load(ctx, "certificates/x/a.crt"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Load of a missing key: %v, want fs.ErrNotExist", err)
	}
	if _, err := s.Stat(ctx, "certificates"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Stat of a missing key: %v, want fs.ErrNotExist", err)
	}
	if _, err := s.List(ctx, "certificates", true); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("List of a missing directory: %v, want fs.ErrNotExist", err)
	}
	if s.Exists(ctx, "certificates") {
		t.Fatal("Exists on an empty storage")
	}

	binary := []byte{0, 1, 0xff, '\n', 0xc3, 0x28}
	files := map[string][]byte{
		"certificates/ca/example.org/example.org.crt":  []byte("old"),
		"certificates/ca/example.org/example.org.key":  binary,
		"certificates/ca/example.org/example.org.json": []byte("{}"),
		"certificates/ca/b.example/b.example.crt":      []byte("b"),
		// neighbours of the prefix "certificates/ca" that are not under it
		// (byte order: '-' < '/' < '0' < 'Z' < 'a' < '~'; a German
		// collation puts '~' between '/' and '0')
		"certificates/ca-2/x.crt": []byte("x"),
		"certificates/caZ/y.crt":  []byte("y"),
		"certificates/ca~/z.crt":  []byte("z"),
		"acme/ca/users/a.json":    []byte("u"),
	}
	for k, v := range files {
		if err := s.Store(ctx, k, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Store(ctx, "certificates/ca/example.org/example.org.crt", []byte("new")); err != nil {
		t.Fatal(err)
	}
	if v, err := s.Load(ctx, "certificates/ca/example.org/example.org.crt"); err != nil || string(v) != "new" {
		t.Fatalf("Load after overwrite: %q, %v", v, err)
	}
	if v, err := s.Load(ctx, "certificates/ca/example.org/example.org.key"); err != nil || !bytes.Equal(v, binary) {
		t.Fatalf("Load of binary value: %x, %v", v, err)
	}

	fi, err := s.Stat(ctx, "certificates/ca/example.org/example.org.key")
	if err != nil || !fi.IsTerminal || fi.Size != int64(len(binary)) || time.Since(fi.Modified) > time.Minute {
		t.Fatalf("Stat of a file: %+v, %v", fi, err)
	}
	if fi, err := s.Stat(ctx, "certificates/ca"); err != nil || fi.IsTerminal {
		t.Fatalf("Stat of a directory: %+v, %v, want IsTerminal false", fi, err)
	}
	if !s.Exists(ctx, "certificates/ca/example.org") || !s.Exists(ctx, "acme/ca/users/a.json") || s.Exists(ctx, "certificates/c") {
		t.Fatal("Exists: want true for a directory and a file, false for a partial component")
	}

	list := func(dir string, recursive bool) []string {
		t.Helper()
		got, err := s.List(ctx, dir, recursive)
		if err != nil {
			t.Fatalf("List(%q, %v): %v", dir, recursive, err)
		}
		slices.Sort(got)
		return got
	}
	if got, want := list("certificates/ca", false), []string{"certificates/ca/b.example", "certificates/ca/example.org"}; !slices.Equal(got, want) {
		t.Errorf("List not recursive: %q, want %q", got, want)
	}
	want := []string{
		"certificates/ca/b.example", "certificates/ca/b.example/b.example.crt",
		"certificates/ca/example.org", "certificates/ca/example.org/example.org.crt",
		"certificates/ca/example.org/example.org.json", "certificates/ca/example.org/example.org.key",
	}
	if got := list("certificates/ca", true); !slices.Equal(got, want) {
		t.Errorf("List recursive: %q, want %q", got, want)
	}
	if got, want := list("", false), []string{"acme", "certificates"}; !slices.Equal(got, want) {
		t.Errorf("List of the root: %q, want %q", got, want)
	}

	if err := s.Delete(ctx, "certificates/ca"); err != nil {
		t.Fatal(err)
	}
	if s.Exists(ctx, "certificates/ca/example.org/example.org.crt") || s.Exists(ctx, "certificates/ca") {
		t.Error("Delete of a directory left keys under it")
	}
	if !s.Exists(ctx, "certificates/ca-2/x.crt") || !s.Exists(ctx, "certificates/caZ/y.crt") || !s.Exists(ctx, "certificates/ca~/z.crt") {
		t.Error("Delete of a directory removed its neighbours")
	}
	if err := s.Delete(ctx, "certificates/ca"); err != nil {
		t.Errorf("Delete of a missing key: %v, want nil", err)
	}
}

// TestSharedLockWaitsForHolder: of two nodes locking one name, the second
// blocks until the first unlocks, and then gets it.
func TestSharedLockWaitsForHolder(t *testing.T) {
	ctx := context.Background()
	dbs := nodesOnOnePostgres(t, 2)
	a := fastLocks(NewSharedStorage(dbs[0], testLogger(t)), 2*time.Second)
	b := fastLocks(NewSharedStorage(dbs[1], testLogger(t)), 2*time.Second)

	if err := a.Lock(ctx, "issue_cert_example.org"); err != nil {
		t.Fatal(err)
	}
	if ok, err := b.TryLock(ctx, "issue_cert_example.org"); ok || err != nil {
		t.Fatalf("TryLock of a held lock: %v, %v; want false", ok, err)
	}
	var released atomic.Bool
	got := make(chan error, 1)
	go func() {
		err := b.Lock(ctx, "issue_cert_example.org")
		if err == nil && !released.Load() {
			err = errors.New("acquired while the other node held the lock")
		}
		got <- err
	}()
	// a live holder keeps its lock past the stale timeout: it refreshes it
	select {
	case err := <-got:
		t.Fatalf("second Lock returned while the first held the lock: %v", err)
	case <-time.After(2 * a.stale):
	}
	released.Store(true)
	if err := a.Unlock(ctx, "issue_cert_example.org"); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("second Lock did not return after Unlock")
	}
	if err := b.Unlock(ctx, "issue_cert_example.org"); err != nil {
		t.Fatal(err)
	}
}

// TestSharedLockOfDeadNodeTakenOver: a lock whose holder stopped
// refreshing it (the node died) is taken over after the stale timeout.
func TestSharedLockOfDeadNodeTakenOver(t *testing.T) {
	ctx := context.Background()
	dbs := nodesOnOnePostgres(t, 2)
	const stale = time.Second
	// the dead node's lock: taken, never refreshed, never released
	taken := time.Now()
	if ok, err := dbs[0].CertLock(ctx, "issue_cert_example.org", "dead-node", taken.Add(stale)); !ok || err != nil {
		t.Fatalf("dead node's lock: %v, %v", ok, err)
	}
	b := fastLocks(NewSharedStorage(dbs[1], testLogger(t)), stale)
	lctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := b.Lock(lctx, "issue_cert_example.org"); err != nil {
		t.Fatalf("lock of a dead node not taken over: %v", err)
	}
	if d := time.Since(taken); d < stale {
		t.Errorf("taken over after %v, before the stale timeout %v", d, stale)
	}
	b.Close() // releases what it holds: the next node gets it at once
	if ok, err := dbs[0].CertLock(ctx, "issue_cert_example.org", "other", time.Now().Add(time.Minute)); !ok || err != nil {
		t.Fatalf("lock not free after Close: %v, %v", ok, err)
	}
}

// TestSharedLockHonoursCancel: a waiting Lock returns when its context ends.
func TestSharedLockHonoursCancel(t *testing.T) {
	ctx := context.Background()
	dbs := nodesOnOnePostgres(t, 2)
	a := fastLocks(NewSharedStorage(dbs[0], testLogger(t)), time.Minute)
	b := fastLocks(NewSharedStorage(dbs[1], testLogger(t)), time.Minute)
	if err := a.Lock(ctx, "l"); err != nil {
		t.Fatal(err)
	}
	defer a.Unlock(ctx, "l")
	lctx, cancel := context.WithCancel(ctx)
	got := make(chan error, 1)
	go func() { got <- b.Lock(lctx, "l") }()
	cancel()
	select {
	case err := <-got:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Lock after cancel: %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Lock did not return after its context was cancelled")
	}
}

// TestInternalCAOnTwoNodes: two nodes on one PostgreSQL, started at once
// in mode internal, form one CA: each serves a certificate that verifies
// against the other's root, and it is one certificate, issued once.
func TestInternalCAOnTwoNodes(t *testing.T) {
	dbs := nodesOnOnePostgres(t, 2)
	names := []string{"localhost", "127.0.0.1"}
	ms := make([]*Manager, 2)
	dirs := []string{t.TempDir(), t.TempDir()}
	errs := make(chan error, 2)
	for i := range ms {
		go func() {
			cfg := config.TLS{Mode: ModeInternal, Domains: names, StorageDir: dirs[i]}
			m, err := New(context.Background(), cfg, testLogger(t), WithSharedStorage(dbs[i]))
			ms[i] = m
			errs <- err
		}()
	}
	for range ms {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range ms {
		defer m.Close()
	}
	if !bytes.Equal(ms[0].RootPEM(), ms[1].RootPEM()) {
		t.Fatal("the two nodes have different internal CAs")
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ms[0].RootPEM()) {
		t.Fatal("RootPEM is not a certificate")
	}
	var serials []string
	for i, m := range ms {
		st, err := handshake(serveHTTPS(t, m.TLSConfig()), &tls.Config{ServerName: "localhost", RootCAs: pool})
		if err != nil {
			t.Fatalf("node %d's certificate against node 0's root: %v", i, err)
		}
		serials = append(serials, serialOf(st).String())
		// operators find the root where a single node keeps it; the key
		// stays in the database
		if b, err := os.ReadFile(filepath.Join(dirs[i], "ca", "root.pem")); err != nil || !bytes.Equal(b, m.RootPEM()) {
			t.Errorf("node %d: root.pem in the storage directory: %v", i, err)
		}
		if _, err := os.Stat(filepath.Join(dirs[i], "ca", "root.key")); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("node %d: root key written to the storage directory (%v)", i, err)
		}
	}
	if serials[0] != serials[1] {
		t.Errorf("the nodes serve different certificates (%s, %s): both issued one", serials[0], serials[1])
	}
}

// TestSingleNodeCAMovesToSharedStorage: a node that kept its CA in its
// storage directory and now joins a cluster brings the CA along, so the
// browsers that imported its root keep trusting it.
func TestSingleNodeCAMovesToSharedStorage(t *testing.T) {
	cfg := config.TLS{Mode: ModeInternal, Domains: []string{"localhost"}, StorageDir: t.TempDir()}
	single, err := New(context.Background(), cfg, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	root := single.RootPEM()
	single.Close()

	dbs := nodesOnOnePostgres(t, 2)
	first, err := New(context.Background(), cfg, testLogger(t), WithSharedStorage(dbs[0]))
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	cfg.StorageDir = t.TempDir() // a new node
	second, err := New(context.Background(), cfg, testLogger(t), WithSharedStorage(dbs[1]))
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	if !bytes.Equal(first.RootPEM(), root) || !bytes.Equal(second.RootPEM(), root) {
		t.Fatal("the single node's CA did not become the cluster's")
	}

	// a node with a CA of its own joins: the cluster's root wins, and its
	// directory no longer pairs that root with its own key
	cfg.StorageDir = t.TempDir()
	own, err := New(context.Background(), cfg, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	own.Close()
	third, err := New(context.Background(), cfg, testLogger(t), WithSharedStorage(dbs[1]))
	if err != nil {
		t.Fatal(err)
	}
	third.Close()
	if !bytes.Equal(third.RootPEM(), root) {
		t.Fatal("a joining node kept its own CA")
	}
	if _, err := os.Stat(filepath.Join(cfg.StorageDir, "ca", "root.key")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the joining node's own root key still beside the cluster's root.pem (%v)", err)
	}
	back, err := New(context.Background(), cfg, testLogger(t)) // and back to a single node
	if err != nil {
		t.Fatalf("single node after leaving the cluster: %v", err)
	}
	back.Close()
}
