package tlsconf

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/caddyserver/certmagic"

	"github.com/buergerbuero/buergerbuero/appliance/store"
)

// CertDB is what SharedStorage needs of the database: the certificate
// rows and named locks of store.DB (store/certs.go).
type CertDB interface {
	CertPut(ctx context.Context, key string, value []byte) error
	CertGet(ctx context.Context, key string) ([]byte, error)
	CertList(ctx context.Context, prefix string) ([]store.CertEntry, error)
	CertDelete(ctx context.Context, key string) error
	CertLock(ctx context.Context, name, owner string, expires time.Time) (bool, error)
	CertRelock(ctx context.Context, name, owner string, expires time.Time) (bool, error)
	CertUnlock(ctx context.Context, name, owner string) error
}

// Lock timing of SharedStorage. A held lock is refreshed every
// lockRefresh; a lock not refreshed for lockStale (its holder died or
// lost the database) is free for the next node. Like certmagic's
// FileStorage, whose lock files go stale after 10 s; nodes' clocks must
// agree to well within lockStale - lockRefresh (NTP does).
const (
	lockStale   = 30 * time.Second
	lockRefresh = lockStale / 3
	lockPoll    = time.Second
)

// SharedStorage is a certmagic.Storage in the database, for several nodes
// on one PostgreSQL: they serve the same certificates, the same internal
// CA and the same ACME account, and certmagic's locks make one node
// obtain or renew a certificate while the others wait and then load it.
type SharedStorage struct {
	db    CertDB
	log   *slog.Logger
	owner string // this storage's name in the locks it holds

	stale, refresh, poll time.Duration

	mu   sync.Mutex
	seq  int
	held map[string]*heldLock
}

// heldLock is a lock this storage holds, kept fresh by a goroutine until
// Unlock (or Close) stops it.
type heldLock struct {
	owner string
	stop  chan struct{}
	done  chan struct{}
}

var (
	_ certmagic.Storage   = (*SharedStorage)(nil)
	_ certmagic.TryLocker = (*SharedStorage)(nil)
)

// NewSharedStorage returns the storage on db.
func NewSharedStorage(db CertDB, log *slog.Logger) *SharedStorage {
	var b [8]byte
	rand.Read(b[:])
	return &SharedStorage{
		db: db, log: log, owner: hex.EncodeToString(b[:]),
		stale: lockStale, refresh: lockRefresh, poll: lockPoll,
		held: map[string]*heldLock{},
	}
}

// Store puts value at key.
func (s *SharedStorage) Store(ctx context.Context, key string, value []byte) error {
	return s.db.CertPut(ctx, key, value)
}

// Load returns the value at key; fs.ErrNotExist if there is none.
func (s *SharedStorage) Load(ctx context.Context, key string) ([]byte, error) {
	return s.db.CertGet(ctx, key)
}

// Delete removes key and, if it is a directory, everything under it.
func (s *SharedStorage) Delete(ctx context.Context, key string) error {
	return s.db.CertDelete(ctx, key)
}

// Exists reports whether key is a file or a directory.
func (s *SharedStorage) Exists(ctx context.Context, key string) bool {
	es, err := s.db.CertList(ctx, key)
	return err == nil && len(es) > 0
}

// List returns the keys under dir: all of them if recursive (files and
// the directories between), else its immediate children, as certmagic's
// FileStorage does. A dir with nothing under it is fs.ErrNotExist.
func (s *SharedStorage) List(ctx context.Context, dir string, recursive bool) ([]string, error) {
	es, err := s.db.CertList(ctx, dir)
	if err != nil {
		return nil, err
	}
	base := dir
	if base != "" {
		base += "/"
	}
	seen := map[string]bool{}
	var out []string
	add := func(k string) {
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	for _, e := range es {
		rest, ok := strings.CutPrefix(e.Key, base)
		if !ok || rest == "" {
			continue // dir itself is a file
		}
		parts := strings.Split(rest, "/")
		if !recursive {
			parts = parts[:1]
		}
		for i := range parts {
			add(base + path.Join(parts[:i+1]...))
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("certificate storage: list %s: %w", dir, fs.ErrNotExist)
	}
	return out, nil
}

// Stat describes key: a file with its size and time, or a directory.
func (s *SharedStorage) Stat(ctx context.Context, key string) (certmagic.KeyInfo, error) {
	es, err := s.db.CertList(ctx, key)
	if err != nil {
		return certmagic.KeyInfo{}, err
	}
	if len(es) == 0 {
		return certmagic.KeyInfo{}, fmt.Errorf("certificate storage: %s: %w", key, fs.ErrNotExist)
	}
	if es[0].Key == key {
		return certmagic.KeyInfo{Key: key, Modified: es[0].Modified, Size: es[0].Size, IsTerminal: true}, nil
	}
	return certmagic.KeyInfo{Key: key, IsTerminal: false}, nil
}

// Lock takes the lock name, waiting while another holds it, until ctx
// ends. A lock whose holder stopped refreshing it is taken over once it
// is stale.
func (s *SharedStorage) Lock(ctx context.Context, name string) error {
	t := time.NewTicker(s.poll)
	defer t.Stop()
	for {
		ok, err := s.TryLock(ctx, name)
		if err != nil || ok {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// TryLock takes the lock name if it is free (or stale) and reports
// whether it did.
func (s *SharedStorage) TryLock(ctx context.Context, name string) (bool, error) {
	s.mu.Lock()
	s.seq++
	owner := fmt.Sprintf("%s-%d", s.owner, s.seq)
	s.mu.Unlock()
	ok, err := s.db.CertLock(ctx, name, owner, time.Now().Add(s.stale))
	if err != nil || !ok {
		return false, err
	}
	h := &heldLock{owner: owner, stop: make(chan struct{}), done: make(chan struct{})}
	s.mu.Lock()
	old := s.held[name]
	s.held[name] = h
	s.mu.Unlock()
	if old != nil { // an earlier hold of ours went stale and was lost
		old.end()
	}
	go s.keepFresh(name, h)
	return true, nil
}

// keepFresh moves the lock's expiry on until it is released or lost.
func (s *SharedStorage) keepFresh(name string, h *heldLock) {
	defer close(h.done)
	t := time.NewTicker(s.refresh)
	defer t.Stop()
	for {
		select {
		case <-h.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), s.refresh)
		ok, err := s.db.CertRelock(ctx, name, h.owner, time.Now().Add(s.stale))
		cancel()
		switch {
		case err != nil:
			s.log.Warn("certificate storage: refreshing a lock failed; retrying", "lock", name, "err", err)
		case !ok:
			s.log.Warn("certificate storage: a lock went stale and another node took it", "lock", name)
			return
		}
	}
}

func (h *heldLock) end() {
	select {
	case <-h.stop:
	default:
		close(h.stop)
	}
	<-h.done
}

// Unlock releases the lock name taken by Lock or TryLock.
func (s *SharedStorage) Unlock(ctx context.Context, name string) error {
	s.mu.Lock()
	h := s.held[name]
	delete(s.held, name)
	s.mu.Unlock()
	if h == nil {
		return fmt.Errorf("certificate storage: unlock %s: not locked here", name)
	}
	h.end()
	return s.db.CertUnlock(ctx, name, h.owner)
}

// Close releases every lock this storage still holds (a node that stops
// lets the others go on at once instead of after the stale timeout).
func (s *SharedStorage) Close() {
	s.mu.Lock()
	names := make([]string, 0, len(s.held))
	for n := range s.held {
		names = append(names, n)
	}
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var errs []error
	for _, n := range names {
		errs = append(errs, s.Unlock(ctx, n))
	}
	if err := errors.Join(errs...); err != nil {
		s.log.Warn("certificate storage: releasing locks at close", "err", err)
	}
}

// String names the storage in certmagic's logs.
func (s *SharedStorage) String() string { return "database (shared by the nodes)" }
