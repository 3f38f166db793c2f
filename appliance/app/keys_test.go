package app

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/buergerbuero/buergerbuero/appliance/config"
)

// memSecrets is the shared_secrets table of a cluster (shared) or of one
// node, counting the writes.
type memSecrets struct {
	shared bool
	keys   map[string][]byte
	writes int
}

func (m *memSecrets) Shared() bool { return m.shared }

func (m *memSecrets) SharedSecret(_ context.Context, name string, value []byte) ([]byte, error) {
	if v, ok := m.keys[name]; ok {
		return v, nil
	}
	m.keys[name] = bytes.Clone(value)
	m.writes++
	return value, nil
}

func key(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

// TestBookingKeyOnSeveralNodes: which appointment key a node signs with,
// by where its key file came from and what the database holds.
func TestBookingKeyOnSeveralNodes(t *testing.T) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	cases := []struct {
		name     string
		shared   bool
		cluster  []byte // the cluster's key already stored; nil: none yet
		explicit bool   // secret_file names a file outside the data directory
		file     []byte // the file's content before the start; nil: missing
		want     []byte // the key the node signs with; nil: it refuses to start
		replaced bool   // the old file is kept as .replaced
	}{
		{name: "one node keeps its own key", shared: false, cluster: key(9), file: key(1), want: key(1)},
		{name: "the first node's key becomes the cluster's", shared: true, file: key(1), want: key(1)},
		{name: "a new node takes the cluster's key", shared: true, cluster: key(9), want: key(9)},
		{name: "a node's own older key gives way", shared: true, cluster: key(9), file: key(1), want: key(9), replaced: true},
		{name: "an explicit key equal to the cluster's", shared: true, cluster: key(9), explicit: true, file: key(9), want: key(9)},
		{name: "the first node's explicit key becomes the cluster's", shared: true, explicit: true, file: key(1), want: key(1)},
		{name: "a missing explicit file gets the cluster's key", shared: true, cluster: key(9), explicit: true, want: key(9)},
		{name: "an explicit key that differs stops the node", shared: true, cluster: key(9), explicit: true, file: key(1)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := &config.Config{}
			cfg.Store.DataDir = t.TempDir()
			path := filepath.Join(cfg.Store.DataDir, "appointments.key")
			if c.explicit {
				path = filepath.Join(t.TempDir(), "etc", "buergerbuero-appointments.key")
			}
			cfg.Appointments.SecretFile = path
			if c.file != nil {
				os.MkdirAll(filepath.Dir(path), 0o700)
				if err := os.WriteFile(path, c.file, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			db := &memSecrets{shared: c.shared, keys: map[string][]byte{}}
			if c.cluster != nil {
				db.keys["appointments"] = c.cluster
			}
			got, err := bookingKey(context.Background(), cfg, db, quiet)
			if c.want == nil {
				var mm *KeyMismatchError
				if !errors.As(err, &mm) {
					t.Fatalf("started with key %x, err %v; want a KeyMismatchError", got, err)
				}
				checkMismatch(t, err, path, c.file, c.cluster)
				if db.writes != 0 || !bytes.Equal(db.keys["appointments"], c.cluster) {
					t.Errorf("the refused node changed the cluster's key: %x (%d writes)", db.keys["appointments"], db.writes)
				}
				if b, _ := os.ReadFile(path); !bytes.Equal(b, c.file) {
					t.Errorf("the refused node changed its key file")
				}
				return
			}
			if err != nil || !bytes.Equal(got, c.want) {
				t.Fatalf("key %x, %v; want %x", got, err, c.want)
			}
			if c.shared && !bytes.Equal(db.keys["appointments"], c.want) {
				t.Errorf("the cluster's key is %x, want %x", db.keys["appointments"], c.want)
			}
			if !c.shared && db.writes != 0 {
				t.Errorf("one node wrote its key to the database")
			}
			if b, _ := os.ReadFile(path); !bytes.Equal(b, c.want) {
				t.Errorf("the key file holds %x, want the key in use %x", b, c.want)
			}
			old, err := os.ReadFile(path + ".replaced")
			if c.replaced != (err == nil) || (c.replaced && !bytes.Equal(old, c.file)) {
				t.Errorf("the replaced key: %x, %v; want it kept: %v", old, err, c.replaced)
			}
		})
	}
}

// checkMismatch: the error names the field, the file and both keys by
// fingerprint, and never the keys themselves.
func checkMismatch(t *testing.T, err error, path string, node, cluster []byte) {
	t.Helper()
	msg := err.Error()
	for _, want := range []string{"appointments.secret_file", path, "differs from the key the other nodes", fingerprint(node), fingerprint(cluster)} {
		if !strings.Contains(msg, want) {
			t.Errorf("the error does not say %q: %s", want, msg)
		}
	}
	for _, k := range [][]byte{node, cluster} {
		if strings.Contains(msg, hex.EncodeToString(k)) || strings.Contains(msg, string(k)) {
			t.Errorf("the error reveals a key: %s", msg)
		}
	}
}

// TestTURNSecretOnSeveralNodes: every node of a cluster checks TURN
// credentials with one secret, the first node's; one node has none from
// the database (its SFU draws its own).
func TestTURNSecretOnSeveralNodes(t *testing.T) {
	ctx := context.Background()
	if s, err := sharedTURNSecret(ctx, &memSecrets{keys: map[string][]byte{}}); s != nil || err != nil {
		t.Fatalf("one node: %x, %v; want none", s, err)
	}
	db := &memSecrets{shared: true, keys: map[string][]byte{}}
	a, errA := sharedTURNSecret(ctx, db)
	b, errB := sharedTURNSecret(ctx, db)
	if errA != nil || errB != nil || len(a) != 32 || !bytes.Equal(a, b) {
		t.Fatalf("nodes A and B: %x (%v) and %x (%v); want one 32-byte secret", a, errA, b, errB)
	}
}
