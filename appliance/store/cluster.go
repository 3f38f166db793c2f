package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// What several nodes on one PostgreSQL share beyond the tables the domain
// packages use: the node's name in the events it writes, a wake-up when
// another node commits an event (LISTEN bb_events, the trigger of
// migration 0021), single-use keys and shared secrets. On SQLite there is
// one node; the same calls work there and Listen returns at once.

// SetNode names this process in the events it writes from now on; call
// it before the first write. A follower (reception.Service.Follow) skips
// the events of its own node.
func (db *DB) SetNode(node string) { db.node = node }

// Node is the name given with SetNode.
func (db *DB) Node() string { return db.node }

// Shared reports whether other processes may write to the database too
// (PostgreSQL), so a node must follow their changes.
func (db *DB) Shared() bool { return db.dialect.Listen != nil }

// listenBackoff bounds the wait before the follower's connection is
// opened again after it failed.
const (
	listenBackoffMin = 100 * time.Millisecond
	listenBackoffMax = 10 * time.Second
)

// Listen calls wake whenever any process commits an event, until ctx
// ends: on PostgreSQL over a connection of its own that LISTENs to
// bb_events. When the connection fails it is opened again with back-off,
// and wake is called once it is back, since notifications sent meanwhile
// are lost: the caller reads events by sequence number, so one wake
// catches up on all of them. On SQLite it returns at once (one node).
func (db *DB) Listen(ctx context.Context, log *slog.Logger, wake func()) {
	if db.dialect.Listen == nil {
		return
	}
	backoff := listenBackoffMin
	for ctx.Err() == nil {
		err := db.dialect.Listen(ctx, wake, func() { backoff = listenBackoffMin })
		if ctx.Err() != nil {
			return
		}
		log.Warn("event notifications interrupted; reconnecting", "err", err, "in", backoff)
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backoff = min(2*backoff, listenBackoffMax)
	}
}

// PutSingleUse stores a single-use key's sealed body under the key's hash
// until expires; expired keys of every kind are deleted on the way.
func (db *DB) PutSingleUse(ctx context.Context, kind, keyHash string, body []byte, expires time.Time) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM single_use WHERE expires < ?`, ms(time.Now())); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO single_use (kind, key_hash, body, expires) VALUES (?, ?, ?, ?)`, kind, keyHash, body, ms(expires))
		return err
	})
}

// TakeSingleUse removes a key and returns its body: of any number of
// concurrent calls for one key, on any node, exactly one gets it. An
// unknown, taken or expired key gives a nil body and no error
// (onetime.Store's contract).
func (db *DB) TakeSingleUse(ctx context.Context, kind, keyHash string) ([]byte, error) {
	var body []byte
	var exp int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `DELETE FROM single_use WHERE kind = ? AND key_hash = ? RETURNING body, expires`, kind, keyHash).Scan(&body, &exp)
	})
	if errors.Is(err, sql.ErrNoRows) || err == nil && time.Now().UnixMilli() > exp {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("single-use key: %w", err)
	}
	return body, nil
}

// SharedSecret returns the secret stored under name; if there is none,
// it stores value first. Every node that asks gets the first node's
// value, so secrets all nodes must agree on come from here rather than
// from each node's disk.
func (db *DB) SharedSecret(ctx context.Context, name string, value []byte) ([]byte, error) {
	var out []byte
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO shared_secrets (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING`, name, value, ms(time.Now())); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT value FROM shared_secrets WHERE name = ?`, name).Scan(&out)
	})
	if err != nil {
		return nil, fmt.Errorf("shared secret %s: %w", name, err)
	}
	return out, nil
}

// SpendOnce records keyHash of kind as used until expires: true the first
// time, on any node, false after (the proof of work's spent solutions).
func (db *DB) SpendOnce(ctx context.Context, kind, keyHash string, expires time.Time) (bool, error) {
	var n int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM single_use WHERE kind = ? AND expires < ?`, kind, ms(time.Now())); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO single_use (kind, key_hash, body, expires) VALUES (?, ?, ?, ?) ON CONFLICT (kind, key_hash) DO NOTHING`,
			kind, keyHash, []byte{}, ms(expires))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return false, fmt.Errorf("spend %s: %w", kind, err)
	}
	return n == 1, nil
}
