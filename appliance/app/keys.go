package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/buergerbuero/buergerbuero/appliance/config"
)

// Keys every node of a cluster must sign with (docs/operations.md,
// "Several nodes"): what one node signs, another checks. The first node's
// key becomes the cluster's (table shared_secrets); a node whose key was
// made for it by default takes the cluster's, and a node whose key the
// operator set explicitly must have the cluster's, or it does not start.
// One node (SQLite) keeps its own key and writes nothing.

// secretStore is where the cluster's keys are kept (store.DB).
type secretStore interface {
	// Shared reports whether other nodes may use the database.
	Shared() bool
	// SharedSecret stores value under name unless a value is there
	// already, and returns the stored one.
	SharedSecret(ctx context.Context, name string, value []byte) ([]byte, error)
}

// nodeKey is one node's key and where it came from.
type nodeKey struct {
	// Name is the key's row in shared_secrets.
	Name string
	// Field is the configuration field that names the key's file.
	Field string
	// Path is the key's file.
	Path string
	// Value is the key this node read or created.
	Value []byte
	// Explicit: the operator named the file and put a key there; else
	// the node made the key itself and adopts the cluster's.
	Explicit bool
	// Created: the node made the key at this start; nothing was signed
	// with it, so a replaced one is not kept.
	Created bool
}

// KeyMismatchError stops a node whose explicitly configured key is not
// the one the other nodes on its database sign with. It names the keys
// by fingerprint only.
type KeyMismatchError struct {
	Field, Path   string
	Node, Cluster string // fingerprints
}

func (e *KeyMismatchError) Error() string {
	return fmt.Sprintf("%s %s: this node's key differs from the key the other nodes on this database use (fingerprints %s and %s); "+
		"give every node the same file, or remove the setting to take the shared key", e.Field, e.Path, e.Node, e.Cluster)
}

// fingerprint names a key without revealing it: the first 8 hex digits
// of its SHA-256 (for a key file, of `sha256sum file`).
func fingerprint(key []byte) string {
	h := sha256.Sum256(key)
	return hex.EncodeToString(h[:4])
}

// clusterKey returns the key this node signs with: its own on one node;
// on several, the cluster's. An explicit key that differs from the
// cluster's is a *KeyMismatchError, and nothing is written. A key file
// the node made that differs is replaced by the cluster's key (an older
// one kept beside it as .replaced), so that every node's file holds the
// key in use and any of them can be copied to a new node.
func clusterKey(ctx context.Context, db secretStore, k nodeKey, log *slog.Logger) ([]byte, error) {
	if !db.Shared() {
		return k.Value, nil
	}
	shared, err := db.SharedSecret(ctx, k.Name, k.Value)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", k.Field, err)
	}
	if bytes.Equal(shared, k.Value) {
		return shared, nil
	}
	if k.Explicit {
		return nil, &KeyMismatchError{Field: k.Field, Path: k.Path, Node: fingerprint(k.Value), Cluster: fingerprint(shared)}
	}
	if k.Path != "" {
		if err := replaceKeyFile(k.Path, shared, !k.Created); err != nil {
			return nil, fmt.Errorf("%s: %w", k.Field, err)
		}
	}
	log.Info("took the cluster's key", "key", k.Name, "file", k.Path, "fingerprint", fingerprint(shared), "replaced", fingerprint(k.Value))
	return shared, nil
}

// replaceKeyFile writes key to path (0600), keeping the old file as
// path.replaced if keep.
func replaceKeyFile(path string, key []byte, keep bool) error {
	tmp := path + ".new"
	if err := os.WriteFile(tmp, key, 0o600); err != nil {
		return err
	}
	if keep {
		if err := os.Rename(path, path+".replaced"); err != nil {
			os.Remove(tmp)
			return err
		}
	}
	return os.Rename(tmp, path)
}

// bookingKey is the key of the appointment book's codes, contact hashes,
// join links and ticket tokens (appointments.secret_file). The file at
// the default place, <store.data_dir>/appointments.key, is the node's own;
// any other file was named by the operator. A missing file is created at
// first start (on a cluster, with the cluster's key).
func bookingKey(ctx context.Context, cfg *config.Config, db secretStore, log *slog.Logger) ([]byte, error) {
	def := filepath.Join(cfg.Store.DataDir, "appointments.key")
	path := cfg.Appointments.SecretFile
	if path == "" { // a configuration built in code, not by config.Parse
		path = def
	}
	own, created, err := loadSecret(path)
	if err != nil {
		return nil, err
	}
	return clusterKey(ctx, db, nodeKey{Name: "appointments", Field: "appointments.secret_file", Path: path, Value: own,
		Explicit: !created && filepath.Clean(path) != filepath.Clean(def), Created: created}, log)
}

// sharedTURNSecret is the key of the TURN credentials on several nodes:
// a browser gets them from the node it asks and uses them on the TURN
// server of its room's node. Nil on one node (the SFU draws its own).
// The key is never in a file: a node's first draw is the cluster's.
func sharedTURNSecret(ctx context.Context, db secretStore) ([]byte, error) {
	if !db.Shared() {
		return nil, nil
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	return db.SharedSecret(ctx, "turn", b)
}

// sharedPoWKey is the proof of work's HMAC key all nodes sign with: the
// first node's key file becomes the cluster's, and every node uses that
// one (a challenge from one node is solved on another). The key file is
// always the node's own (<store.data_dir>/pow-hmac.key, not configurable),
// so a node adopts the cluster's key and keeps its file as it is.
func sharedPoWKey(ctx context.Context, db secretStore, local []byte, log *slog.Logger) ([]byte, error) {
	return clusterKey(ctx, db, nodeKey{Name: "pow-hmac", Field: "proof of work key", Value: local}, log)
}
