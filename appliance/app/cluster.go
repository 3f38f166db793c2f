package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"

	"github.com/buergerbuero/buergerbuero/appliance/onetime"
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
