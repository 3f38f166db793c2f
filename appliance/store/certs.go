package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"time"
)

// The rows behind tlsconf's SharedStorage (migration 0022): certmagic's
// key-value data (certificates, their private keys, the ACME account, the
// internal CA) and its named locks, so every node of a cluster serves the
// same certificates and only one of them obtains or renews each. Keys are
// '/'-separated paths; a key's "directory" is a prefix ending at a '/'.

// CertEntry describes one stored key.
type CertEntry struct {
	Key      string
	Size     int64
	Modified time.Time
}

// CertPut stores value under key, replacing what was there.
func (db *DB) CertPut(ctx context.Context, key string, value []byte) error {
	if value == nil {
		value = []byte{}
	}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO certmagic_data (key, value, modified) VALUES (?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, modified = excluded.modified`, key, value, ms(time.Now()))
		return err
	})
	if err != nil {
		return fmt.Errorf("certificate storage: store %s: %w", key, err)
	}
	return nil
}

// CertGet returns the value under key, or an error wrapping
// fs.ErrNotExist if there is none.
func (db *DB) CertGet(ctx context.Context, key string) ([]byte, error) {
	var v []byte
	err := db.r.QueryRowContext(ctx, `SELECT value FROM certmagic_data WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("certificate storage: %s: %w", key, fs.ErrNotExist)
	}
	if err != nil {
		return nil, fmt.Errorf("certificate storage: load %s: %w", key, err)
	}
	return v, nil
}

// CertList returns the key equal to prefix and every key under it
// (prefix/…), ordered by key; an empty prefix lists all keys.
func (db *DB) CertList(ctx context.Context, prefix string) ([]CertEntry, error) {
	q := `SELECT key, LENGTH(value), modified FROM certmagic_data ORDER BY key`
	var args []any
	if prefix != "" {
		// '0' follows '/' in byte order: [prefix/, prefix0) is the subtree
		q = `SELECT key, LENGTH(value), modified FROM certmagic_data WHERE key = ? OR (key >= ? AND key < ?) ORDER BY key`
		args = []any{prefix, prefix + "/", prefix + "0"}
	}
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("certificate storage: list %s: %w", prefix, err)
	}
	defer rows.Close()
	var out []CertEntry
	for rows.Next() {
		var e CertEntry
		var mod int64
		if err := rows.Scan(&e.Key, &e.Size, &mod); err != nil {
			return nil, fmt.Errorf("certificate storage: list %s: %w", prefix, err)
		}
		e.Modified = fromMS(mod)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("certificate storage: list %s: %w", prefix, err)
	}
	return out, nil
}

// CertDelete removes key and every key under it; a missing key is no
// error.
func (db *DB) CertDelete(ctx context.Context, key string) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM certmagic_data WHERE key = ? OR (key >= ? AND key < ?)`, key, key+"/", key+"0")
		return err
	})
	if err != nil {
		return fmt.Errorf("certificate storage: delete %s: %w", key, err)
	}
	return nil
}

// CertLock takes the lock name for owner until expires, if it is free or
// its holder let it expire; it reports whether owner holds it now.
func (db *DB) CertLock(ctx context.Context, name, owner string, expires time.Time) (bool, error) {
	var n int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO certmagic_locks (name, owner, expires) VALUES (?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires = excluded.expires
			WHERE certmagic_locks.expires < ?`, name, owner, ms(expires), ms(time.Now()))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return false, fmt.Errorf("certificate storage: lock %s: %w", name, err)
	}
	return n == 1, nil
}

// CertRelock moves the expiry of owner's lock name to expires; false if
// owner no longer holds it (it expired and another took it).
func (db *DB) CertRelock(ctx context.Context, name, owner string, expires time.Time) (bool, error) {
	var n int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE certmagic_locks SET expires = ? WHERE name = ? AND owner = ?`, ms(expires), name, owner)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return false, fmt.Errorf("certificate storage: refresh lock %s: %w", name, err)
	}
	return n == 1, nil
}

// CertUnlock releases owner's lock name; a lock another owner holds now
// stays.
func (db *DB) CertUnlock(ctx context.Context, name, owner string) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM certmagic_locks WHERE name = ? AND owner = ?`, name, owner)
		return err
	})
	if err != nil {
		return fmt.Errorf("certificate storage: unlock %s: %w", name, err)
	}
	return nil
}
