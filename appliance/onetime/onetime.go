// Package onetime owns single-use keys: short-lived bearer keys that one
// node issues and any node of the cluster redeems, exactly once (stream
// keys for WebSockets, media admission keys). It keeps nothing but the
// keys: what a key grants is the caller's body, sealed with a key derived
// from the key itself and stored under the key's hash, so the store alone
// (a database dump) opens nothing and names nobody.
package onetime

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Store keeps sealed keys for every node (appliance/store on PostgreSQL).
//
// Put stores body under keyHash until expires; Take removes the entry and
// returns its body: of any number of concurrent Takes of one key, on any
// node, exactly one gets the body; the others, and Takes of unknown or
// expired keys, get a nil body and no error. Both are safe for concurrent
// use by several processes.
type Store interface {
	PutSingleUse(ctx context.Context, kind, keyHash string, body []byte, expires time.Time) error
	TakeSingleUse(ctx context.Context, kind, keyHash string) ([]byte, error)
}

var (
	// ErrInvalid: the key is unknown, used or expired.
	ErrInvalid = errors.New("single-use key unknown, used or expired")
	// ErrFull: the in-memory store holds its maximum of unredeemed keys.
	ErrFull = errors.New("too many unredeemed single-use keys")
)

// keyBytes is the key's length: 192 random bits.
const keyBytes = 24

// Keys issues and redeems the keys of one kind.
type Keys struct {
	store Store
	kind  string
}

// New returns the keys of kind kept in s; a nil s keeps them in this
// process's memory (one node).
func New(s Store, kind string) *Keys {
	if s == nil {
		s = NewMemory(100_000)
	}
	return &Keys{store: s, kind: kind}
}

// Issue stores body under a new key valid for ttl and returns the key.
func (k *Keys) Issue(ctx context.Context, body []byte, ttl time.Duration) (string, error) {
	raw := make([]byte, keyBytes)
	rand.Read(raw)
	sealed, err := seal(raw, body)
	if err != nil {
		return "", err
	}
	if err := k.store.PutSingleUse(ctx, k.kind, hashOf(raw), sealed, time.Now().Add(ttl)); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(raw), nil
}

// Redeem returns the body of a key and voids the key.
func (k *Keys) Redeem(ctx context.Context, key string) ([]byte, error) {
	raw, err := base64.RawURLEncoding.DecodeString(key)
	if err != nil || len(raw) != keyBytes {
		return nil, ErrInvalid
	}
	sealed, err := k.store.TakeSingleUse(ctx, k.kind, hashOf(raw))
	if err != nil {
		return nil, fmt.Errorf("redeem %s key: %w", k.kind, err)
	}
	if sealed == nil {
		return nil, ErrInvalid
	}
	return open(raw, sealed)
}

func hashOf(raw []byte) string {
	h := sha256.Sum256(append([]byte("onetime id\x00"), raw...))
	return hex.EncodeToString(h[:])
}

func aead(raw []byte) (cipher.AEAD, error) {
	k := sha256.Sum256(append([]byte("onetime seal\x00"), raw...))
	b, err := aes.NewCipher(k[:])
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

func seal(raw, body []byte) ([]byte, error) {
	a, err := aead(raw)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, a.NonceSize())
	rand.Read(nonce)
	return a.Seal(nonce, nonce, body, nil), nil
}

func open(raw, sealed []byte) ([]byte, error) {
	a, err := aead(raw)
	if err != nil {
		return nil, err
	}
	if len(sealed) < a.NonceSize() {
		return nil, ErrInvalid
	}
	body, err := a.Open(nil, sealed[:a.NonceSize()], sealed[a.NonceSize():], nil)
	if err != nil {
		return nil, ErrInvalid
	}
	return body, nil
}

// Memory is the Store of a single node: a bounded map in this process.
type Memory struct {
	mu   sync.Mutex
	max  int
	keys map[string]memEntry
}

type memEntry struct {
	body    []byte
	expires time.Time
}

// NewMemory holds at most max unredeemed keys (expired ones are dropped
// first); beyond that Put fails with ErrFull.
func NewMemory(max int) *Memory { return &Memory{max: max, keys: map[string]memEntry{}} }

// PutSingleUse implements Store.
func (m *Memory) PutSingleUse(_ context.Context, kind, keyHash string, body []byte, expires time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	for id, e := range m.keys {
		if now.After(e.expires) {
			delete(m.keys, id)
		}
	}
	if len(m.keys) >= m.max {
		return ErrFull
	}
	m.keys[kind+"\x00"+keyHash] = memEntry{body, expires}
	return nil
}

// TakeSingleUse implements Store.
func (m *Memory) TakeSingleUse(_ context.Context, kind, keyHash string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.keys[kind+"\x00"+keyHash]
	delete(m.keys, kind+"\x00"+keyHash)
	if !ok || time.Now().After(e.expires) {
		return nil, nil
	}
	return e.body, nil
}
