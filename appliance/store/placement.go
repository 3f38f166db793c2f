package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Media placement across nodes (migration 0023, appliance/placement): the
// node registry with heartbeats and load, and the node each room's media
// is placed on.

// MediaNode is one node in the registry.
type MediaNode struct {
	ID, URL string
	// Heartbeat is when the node last reported (its own clock).
	Heartbeat time.Time
	// Participants connected to its SFU; CPU its load in permille of
	// its cores.
	Participants, CPU int
}

// ErrNoLiveNode is returned by PlaceRoom when no node's heartbeat is
// recent enough.
var ErrNoLiveNode = errors.New("no live media node")

// BeatNode registers n or refreshes its heartbeat and load.
func (db *DB) BeatNode(ctx context.Context, n MediaNode) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO media_nodes (id, url, heartbeat, participants, cpu) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET url = excluded.url, heartbeat = excluded.heartbeat, participants = excluded.participants, cpu = excluded.cpu`,
			n.ID, n.URL, ms(n.Heartbeat), n.Participants, n.CPU)
		return err
	})
}

// RemoveNode takes a node out of the registry (it stops); its rooms are
// re-placed when next asked for, and nodes dead since before gone are
// removed too.
func (db *DB) RemoveNode(ctx context.Context, id string, gone time.Time) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM media_nodes WHERE id = ? OR heartbeat < ?`, id, ms(gone))
		return err
	})
}

// PlaceRoom returns the node room's media is placed on: the node it was
// placed on if that one's heartbeat is not older than alive, else the
// least-loaded live node (fewest participants, then fewest rooms placed,
// then CPU), which the room is placed on from now on. Concurrent calls
// for one room, on any node, return the same node: the placement is a
// conditional insert, and a move off a dead node a conditional update.
func (db *DB) PlaceRoom(ctx context.Context, room string, alive time.Time) (MediaNode, error) {
	// the common case, a room on a live node, reads without the write lock
	n, err := placedOn(ctx, db.r, room, alive)
	if err == nil {
		return n, nil
	} else if !errors.Is(err, sql.ErrNoRows) {
		return n, fmt.Errorf("place room: %w", err)
	}
	err = db.tx(ctx, func(tx *sql.Tx) error {
		if n2, err := placedOn(ctx, tx, room, alive); err == nil {
			n = n2
			return nil
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		var id string
		err := tx.QueryRowContext(ctx, `SELECT n.id FROM media_nodes n WHERE n.heartbeat >= ?
			ORDER BY n.participants, (SELECT COUNT(*) FROM room_nodes r WHERE r.node_id = n.id), n.cpu, n.id LIMIT 1`, ms(alive)).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNoLiveNode
		}
		if err != nil {
			return err
		}
		now := ms(time.Now())
		if _, err := tx.ExecContext(ctx, `INSERT INTO room_nodes (room_id, node_id, placed_at) VALUES (?, ?, ?) ON CONFLICT (room_id) DO NOTHING`, room, id, now); err != nil {
			return err
		}
		// placed on a node that is dead (or gone): moved, unless another
		// caller moved it first
		if _, err := tx.ExecContext(ctx, `UPDATE room_nodes SET node_id = ?, placed_at = ? WHERE room_id = ?
			AND NOT EXISTS (SELECT 1 FROM media_nodes n WHERE n.id = room_nodes.node_id AND n.heartbeat >= ?)`, id, now, room, ms(alive)); err != nil {
			return err
		}
		n, err = placedOn(ctx, tx, room, time.Time{})
		return err
	})
	if err != nil && !errors.Is(err, ErrNoLiveNode) {
		err = fmt.Errorf("place room: %w", err)
	}
	return n, err
}

// NodeURLs are the public addresses of the nodes in the registry, live
// or not yet removed.
func (db *DB) NodeURLs(ctx context.Context) ([]string, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT DISTINCT url FROM media_nodes ORDER BY url`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// MediaNodes lists the registry (operations, tests).
func (db *DB) MediaNodes(ctx context.Context) ([]MediaNode, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id, url, heartbeat, participants, cpu FROM media_nodes ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []MediaNode
	for rows.Next() {
		var n MediaNode
		var hb int64
		if err := rows.Scan(&n.ID, &n.URL, &hb, &n.Participants, &n.CPU); err != nil {
			return nil, err
		}
		n.Heartbeat = fromMS(hb)
		out = append(out, n)
	}
	return out, rows.Err()
}

// UnplaceRoom forgets a room's placement (it ended).
func (db *DB) UnplaceRoom(ctx context.Context, room string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM room_nodes WHERE room_id = ?`, room)
		return err
	})
}

// placedOn is the node room is placed on, if its heartbeat is not older
// than alive.
func placedOn(ctx context.Context, tx interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, room string, alive time.Time) (MediaNode, error) {
	var n MediaNode
	var hb int64
	err := tx.QueryRowContext(ctx, `SELECT n.id, n.url, n.heartbeat, n.participants, n.cpu FROM room_nodes r JOIN media_nodes n ON n.id = r.node_id
		WHERE r.room_id = ? AND n.heartbeat >= ?`, room, ms(alive)).Scan(&n.ID, &n.URL, &hb, &n.Participants, &n.CPU)
	n.Heartbeat = fromMS(hb)
	return n, err
}
