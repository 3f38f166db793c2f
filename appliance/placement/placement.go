// Package placement owns where a room's media runs when several nodes
// share one database (docs/operations.md, "Media placement"): the shape
// of LiveKit's Router.GetNodeForRoom. Local places every room on this
// node (one node, the default); DB keeps a node registry with heartbeats
// and load in the shared database and places each room once, on the
// least-loaded live node, moving it only when its node has died.
package placement

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/store"
)

// Node is a node that carries media: its name and its public address,
// which the browser's signalling URL is built on.
type Node struct {
	ID, URL string
}

// Router answers which node a room's media runs on.
type Router interface {
	NodeForRoom(ctx context.Context, room string) (Node, error)
}

// Local is the single node: every room is here.
type Local struct{ Node Node }

// NodeForRoom returns this node.
func (l Local) NodeForRoom(context.Context, string) (Node, error) { return l.Node, nil }

// Heartbeat timing: a node reports every Interval; one whose report is
// older than Expiry (three missed reports) is dead and its rooms are
// re-placed when next asked for.
const (
	Interval = 2 * time.Second
	Expiry   = 3 * Interval
)

// Store is the registry (store.DB).
type Store interface {
	BeatNode(ctx context.Context, n store.MediaNode) error
	RemoveNode(ctx context.Context, id string, gone time.Time) error
	PlaceRoom(ctx context.Context, room string, alive time.Time) (store.MediaNode, error)
	UnplaceRoom(ctx context.Context, room string) error
	NodeURLs(ctx context.Context) ([]string, error)
}

// DB places rooms through the registry in the shared database.
type DB struct {
	Store Store
	// Self is this node, registered by Register and Run.
	Self Node
	// Participants reports this node's load (its SFU's connections).
	Participants func() int
	Log          *slog.Logger
	// Interval and Expiry default to the package's constants (tests
	// shorten them).
	Interval, Expiry time.Duration

	origins atomic.Pointer[[]string]
}

// Origins are the signalling origins (wss://host) of the nodes in the
// registry as of the last heartbeat: a page's Content-Security-Policy
// lets it connect to them.
func (d *DB) Origins() []string {
	if p := d.origins.Load(); p != nil {
		return *p
	}
	return nil
}

// Register reports this node once, so it can be placed on at once.
func (d *DB) Register(ctx context.Context) error { return d.beat(ctx) }

// Run reports this node every Interval until ctx ends, then takes it out
// of the registry (a clean stop: its rooms move at the next ask without
// waiting for the expiry). Nodes dead for a day are removed on the way.
func (d *DB) Run(ctx context.Context) {
	log := d.Log
	if log == nil {
		log = slog.Default()
	}
	t := time.NewTicker(d.interval())
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := d.Store.RemoveNode(c, d.Self.ID, time.Now().Add(-24*time.Hour)); err != nil {
				log.Warn("leave the media node registry", "err", err)
			}
			return
		case <-t.C:
			c, cancel := context.WithTimeout(ctx, d.interval())
			if err := d.beat(c); err != nil && ctx.Err() == nil {
				log.Warn("media node heartbeat", "err", err)
			}
			cancel()
		}
	}
}

func (d *DB) beat(ctx context.Context) error {
	n := store.MediaNode{ID: d.Self.ID, URL: d.Self.URL, Heartbeat: time.Now(), CPU: cpuLoad()}
	if d.Participants != nil {
		n.Participants = d.Participants()
	}
	if err := d.Store.BeatNode(ctx, n); err != nil {
		return err
	}
	urls, err := d.Store.NodeURLs(ctx)
	if err != nil {
		return err
	}
	var origins []string
	for _, s := range urls {
		if u, err := url.Parse(s); err == nil && u.Host != "" {
			scheme := "wss"
			if u.Scheme == "http" {
				scheme = "ws"
			}
			origins = append(origins, scheme+"://"+u.Host)
		}
	}
	d.origins.Store(&origins)
	return nil
}

// NodeForRoom returns the room's node, placing it first if it has none
// or its node is dead. With no live node at all (the registry cannot
// have lost this running node for long) the room is carried here.
func (d *DB) NodeForRoom(ctx context.Context, room string) (Node, error) {
	n, err := d.Store.PlaceRoom(ctx, room, time.Now().Add(-d.expiry()))
	if errors.Is(err, store.ErrNoLiveNode) {
		return d.Self, nil
	}
	if err != nil {
		return Node{}, err
	}
	return Node{ID: n.ID, URL: n.URL}, nil
}

// Forget drops a room's placement (the room ended).
func (d *DB) Forget(ctx context.Context, room string) error { return d.Store.UnplaceRoom(ctx, room) }

func (d *DB) interval() time.Duration {
	if d.Interval > 0 {
		return d.Interval
	}
	return Interval
}

func (d *DB) expiry() time.Duration {
	if d.Expiry > 0 {
		return d.Expiry
	}
	return Expiry
}

// cpuLoad is the one-minute load average in permille of the cores
// (/proc/loadavg; 0 where there is none).
func cpuLoad() int {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f, err := strconv.ParseFloat(strings.Fields(string(b) + " 0")[0], 64)
	if err != nil {
		return 0
	}
	return int(f * 1000 / float64(runtime.NumCPU()))
}
