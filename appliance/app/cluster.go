package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/admin"
	"github.com/buergerbuero/buergerbuero/appliance/onetime"
	"github.com/buergerbuero/buergerbuero/appliance/placement"
	"github.com/buergerbuero/buergerbuero/appliance/pow"
	"github.com/buergerbuero/buergerbuero/appliance/reception"
	"github.com/buergerbuero/buergerbuero/appliance/staff"
	"github.com/buergerbuero/buergerbuero/appliance/store"
)

// Several nodes on one PostgreSQL (docs/operations.md, "Several nodes"):
// each process has a random node name, written into the events it
// commits, and follows the events of the others. On SQLite there is one
// node and nothing here runs.

// newNodeName names this process for as long as it runs; a restarted
// node is a new one (it loads the queue afresh).
func newNodeName() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// followOthers starts the follower when other nodes may write to the
// database: Listen wakes it, Follow applies the changes after event from.
func (a *App) followOthers(ctx context.Context, from int64) {
	if !a.DB.Shared() {
		return
	}
	// presence changed here is announced to the others, and read there
	a.Staff.OnPresence = func(c staff.Clerk) {
		if err := a.Rec.ClerkChanged(context.Background(), c); err != nil {
			a.Log.Error("announce presence", "err", err)
		}
	}
	a.Rec.LoadClerk = a.Staff.Clerk
	// what the web administration changed on another node
	a.Rec.ReloadSettings = func(ctx context.Context) error { return a.Admin.Load(quiet(ctx)) }
	wake := make(chan struct{}, 1)
	a.Log.Info("following other nodes", "node", a.DB.Node(), "from_event", from)
	a.done.Add(2)
	go func() {
		defer a.done.Done()
		a.DB.Listen(ctx, a.Log, func() {
			select {
			case wake <- struct{}{}:
			default: // a wake-up is pending; it reads everything new
			}
		})
	}()
	go func() { defer a.done.Done(); a.Rec.Follow(ctx, a.DB.Node(), from, wake) }()
}

// singleUse is where single-use keys live: in the shared database when
// other nodes may redeem them, else in this process (nil). The media
// admission keys move there too.
func (a *App) singleUse() onetime.Store {
	if !a.DB.Shared() {
		return nil
	}
	if m, ok := a.Media.(*Media); ok && m != nil {
		m.Share(a.DB)
	}
	return a.DB
}

// powSpent keeps the spent proof-of-work solutions in the shared
// database, under their signature's hash.
type powSpent struct{ db *store.DB }

var _ pow.Spender = powSpent{}

func (p powSpent) Spend(sig string, exp time.Time) (bool, error) {
	h := sha256.Sum256([]byte(sig))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return p.db.SpendOnce(ctx, "pow", hex.EncodeToString(h[:]), exp)
}

// quietKey marks a context whose administration hooks must not announce
// the change to the other nodes: the start's own load, and a reload
// another node's announcement caused (else the nodes would echo each
// other for ever).
type quietKey struct{}

func quiet(ctx context.Context) context.Context { return context.WithValue(ctx, quietKey{}, true) }

// announced wraps the administration's hooks: after a change is applied
// here, the other nodes are told to read offices and settings again.
func (a *App) announced(h admin.Hooks) admin.Hooks {
	announce := func(ctx context.Context) error {
		if !a.DB.Shared() || ctx.Value(quietKey{}) != nil {
			return nil
		}
		return a.Rec.AnnounceOffices(ctx)
	}
	out := h
	if f := h.OfficesChanged; f != nil {
		out.OfficesChanged = func(ctx context.Context) error {
			if err := f(ctx); err != nil {
				return err
			}
			return announce(ctx)
		}
	}
	if f := h.SiteChanged; f != nil {
		out.SiteChanged = func(ctx context.Context, state string, r reception.Retention) error {
			if err := f(ctx, state, r); err != nil {
				return err
			}
			return announce(ctx)
		}
	}
	if f := h.BookChanged; f != nil {
		out.BookChanged = func(ctx context.Context) error {
			if err := f(ctx); err != nil {
				return err
			}
			return announce(ctx)
		}
	}
	return out
}

// placeMedia places each room's media on one node when other nodes share
// the database (appliance/placement): this node joins the registry under
// its node name with its public address (media.node_url, default
// site.public_url) and reports its load until ctx ends. One node places
// nothing: every room is here.
func (a *App) placeMedia(ctx context.Context) error {
	m, ok := a.Media.(*Media)
	if !a.DB.Shared() || !ok || m == nil || m.SFU == nil {
		return nil
	}
	self := a.Cfg.Media.NodeURL
	if self == "" {
		self = a.Cfg.Site.PublicURL
	}
	r := &placement.DB{Store: a.DB, Self: placement.Node{ID: a.DB.Node(), URL: self}, Participants: m.Participants, Log: a.Log}
	if err := r.Register(ctx); err != nil {
		return fmt.Errorf("media placement: join the node registry: %w", err)
	}
	m.Place(r)
	a.placer.Store(r)
	a.Log.Info("media placement across nodes", "node", a.DB.Node(), "heartbeat", placement.Interval, "expiry", placement.Expiry)
	a.done.Add(1)
	go func() { defer a.done.Done(); r.Run(ctx) }()
	return nil
}

// mediaOrigins are the nodes' signalling origins a page may connect to.
func (a *App) mediaOrigins() []string {
	if r := a.placer.Load(); r != nil {
		return r.Origins()
	}
	return nil
}
