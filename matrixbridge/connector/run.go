package connector

import (
	"context"
	"errors"
	"fmt"
	"html"
	"strings"
	"sync"
	"time"

	"maunium.net/go/mautrix/bridgev2"
	"maunium.net/go/mautrix/bridgev2/database"
	"maunium.net/go/mautrix/bridgev2/status"
	"maunium.net/go/mautrix/id"

	"github.com/buergerbuero/buergerbuero/matrixbridge/staffapi"
)

// EnsureServiceLogin creates the service login (owned by the bridge bot)
// and connects it; that starts the event stream.
func (c *Connector) EnsureServiceLogin(ctx context.Context) error {
	login, err := c.br.GetExistingUserLoginByID(ctx, ServiceLoginID)
	if err != nil {
		return err
	}
	if login != nil {
		login.Client.Connect(ctx) // idempotent: StartLogins may have done it
		return nil
	}
	user, err := c.br.GetUserByMXID(ctx, c.br.Bot.GetMXID())
	if err != nil {
		return fmt.Errorf("bot user: %w", err)
	}
	login, err = user.NewLogin(ctx, &database.UserLogin{ID: ServiceLoginID, RemoteName: "Bürgerbüro"}, nil)
	if err != nil {
		return fmt.Errorf("create service login: %w", err)
	}
	login.Client.Connect(ctx)
	return nil
}

// ensureClerkLogin gives a clerk with a Matrix ID a login, so that the
// clerk's own Matrix events (reactions included) reach the connector.
func (c *Connector) ensureClerkLogin(ctx context.Context, cl staffapi.Clerk) error {
	if cl.MatrixID == "" {
		return nil
	}
	existing, err := c.br.GetExistingUserLoginByID(ctx, clerkLogin(cl.Login))
	if err != nil {
		return err
	}
	if existing != nil && existing.UserMXID == id.UserID(cl.MatrixID) {
		return nil
	}
	user, err := c.br.GetUserByMXID(ctx, id.UserID(cl.MatrixID))
	if err != nil {
		return fmt.Errorf("user %s: %w", cl.Login, err)
	}
	login, err := user.NewLogin(ctx, &database.UserLogin{ID: clerkLogin(cl.Login), RemoteName: cl.DisplayName},
		&bridgev2.NewLoginParams{DeleteOnConflict: true})
	if err != nil {
		return fmt.Errorf("login for clerk %s: %w", cl.Login, err)
	}
	// A clerk added while the bridge runs joins the existing reception rooms.
	for _, office := range cl.Offices {
		if portal, _ := c.br.GetExistingPortalByKey(ctx, officePortal(office)); portal != nil && portal.MXID != "" {
			login.MarkInPortal(ctx, portal)
		}
	}
	return nil
}

func (c *Connector) startRun(svc *bridgev2.UserLogin) {
	c.runMu.Lock()
	defer c.runMu.Unlock()
	if c.runCancel != nil {
		return
	}
	ctx, cancel := context.WithCancel(svc.Log.WithContext(context.Background()))
	c.runCancel, c.runDone = cancel, make(chan struct{})
	go func(done chan struct{}) {
		defer close(done)
		c.run(ctx, svc)
	}(c.runDone)
}

func (c *Connector) stopRun() {
	c.runMu.Lock()
	cancel, done := c.runCancel, c.runDone
	c.runCancel, c.runDone = nil, nil
	c.runMu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

// run syncs offices and clerks, then follows the event stream from the
// stored seq; the outbox and purge loops run beside it.
func (c *Connector) run(ctx context.Context, svc *bridgev2.UserLogin) {
	c.inDoubt.Store(true) // the bridge may have stopped between sending and storing the seq
	if seq, err := c.st.lastSeq(ctx); err == nil && seq == 0 {
		// First start: the stream replays up to 7 days. Tickets finished
		// before the bridge existed are not bridged (see onTicket); the
		// margin covers knock times stored with second precision.
		c.firstStart = time.Now().Add(-5 * time.Second)
	}
	for backoff := 200 * time.Millisecond; ; backoff = min(2*backoff, 10*time.Second) {
		err := c.initialSync(ctx, svc)
		if err == nil {
			break
		}
		c.log.Warn("initial sync with the appliance failed, retrying", "err", err, "in", backoff)
		svc.BridgeState.Send(status.BridgeState{StateEvent: status.StateTransientDisconnect, Error: "bb-sync-failed"})
		if !sleepCtx(ctx, backoff) {
			return
		}
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); c.outboxLoop(ctx) }()
	go func() { defer wg.Done(); c.purgeLoop(ctx) }()
	defer wg.Wait()
	seq, err := c.st.lastSeq(ctx)
	if err != nil {
		c.log.Error("read last seq", "err", err)
		return
	}
	c.log.Info("following the staff event stream", "since", seq)
	c.opt.API.Stream(ctx, seq, func(ctx context.Context, ev staffapi.Event) error {
		if err := c.handleEvent(ctx, svc, ev); err != nil {
			c.inDoubt.Store(true) // the failed send may have reached the homeserver
			c.log.Warn("bridging event failed, will retry", "seq", ev.Seq, "type", ev.Type, "err", err)
			return err
		}
		c.inDoubt.Store(false)
		if ev.Seq != 0 {
			if err := c.st.setLastSeq(ctx, ev.Seq); err != nil {
				return err
			}
		}
		if c.opt.Trace != nil && ev.Type == staffapi.EventMessage && !strings.HasPrefix(ev.Message.ClientID, "mx:") {
			c.opt.Trace(Trace{ToMatrix: true, Start: ev.Received, End: time.Now()})
		}
		if c.opt.OnEvent != nil {
			c.opt.OnEvent(ev)
		}
		return nil
	}, func(err error) {
		if err == nil {
			svc.BridgeState.Send(status.BridgeState{StateEvent: status.StateConnected})
		} else {
			c.log.Warn("event stream interrupted", "err", err)
			svc.BridgeState.Send(status.BridgeState{StateEvent: status.StateTransientDisconnect, Error: "bb-stream"})
		}
	})
}

func (c *Connector) initialSync(ctx context.Context, svc *bridgev2.UserLogin) error {
	if err := c.refreshClerks(ctx, true); err != nil {
		return err
	}
	for _, cl := range c.allClerks() {
		if err := c.ensureClerkLogin(ctx, cl); err != nil {
			return err
		}
	}
	offices, err := c.opt.API.Offices(ctx, "")
	if err != nil {
		return fmt.Errorf("load offices: %w", err)
	}
	for _, o := range offices {
		if err := c.ensureOfficePortal(ctx, svc, o.ID, o.Name); err != nil {
			return err
		}
		for _, t := range o.Queue {
			c.active[t.ID] = true
			if err := c.syncKnocks(ctx, svc, t); err != nil {
				return fmt.Errorf("knock %s: %w", t.Number, err)
			}
		}
	}
	return nil
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func (c *Connector) wakeOutbox() {
	select {
	case c.outboxWake <- struct{}{}:
	default:
	}
}

// outboxLoop delivers queued Matrix messages to the appliance in order.
// Transient failures are retried with the same client_id (the appliance
// de-duplicates); permanent ones (413, 403, …) are reported in the room.
func (c *Connector) outboxLoop(ctx context.Context) {
	backoff := 200 * time.Millisecond
	for ctx.Err() == nil {
		it, ok, err := c.st.peek(ctx)
		if err == nil && !ok {
			select {
			case <-ctx.Done():
				return
			case <-c.outboxWake:
			}
			continue
		}
		if err == nil {
			err = c.deliver(ctx, it)
			if err == nil {
				c.traceDelivered(it.ClientID)
			}
			if err == nil || staffapi.Permanent(err) {
				if err != nil {
					_, _ = c.sendNotice(ctx, id.RoomID(it.MXRoom), c.refusalText(it, err))
				}
				if err := c.st.done(ctx, it.ID); err != nil {
					c.log.Error("outbox", "err", err)
				}
				backoff = 200 * time.Millisecond
				continue
			}
		}
		if ctx.Err() != nil {
			return
		}
		c.log.Warn("outbox delivery failed, retrying", "err", err, "in", backoff)
		if !sleepCtx(ctx, backoff) {
			return
		}
		backoff = min(2*backoff, 10*time.Second)
	}
}

// refusalText is the notice for a Matrix message the appliance refused;
// a colleague who does not take part in the consultation is told how a
// participant adds them.
func (c *Connector) refusalText(it outboxItem, err error) string {
	text := c.t("not.delivered", args{"Reason": c.errText(err)})
	var e *staffapi.Error
	if errors.As(err, &e) && e.Code == "not_participant" {
		if cl, ok := c.clerkByLogin(it.ActAs); ok && cl.MatrixID != "" {
			mx := html.EscapeString(cl.MatrixID)
			text += c.t("not.participant", args{"Who": mx})
		}
	}
	return text
}

func (c *Connector) deliver(ctx context.Context, it outboxItem) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	var err error
	if it.FileData != nil || it.FileName != "" {
		_, err = c.opt.API.PostFile(ctx, it.ActAs, it.RoomID, it.FileName, it.FileType, it.FileData, it.ClientID)
	} else {
		_, err = c.opt.API.PostMessage(ctx, it.ActAs, it.RoomID, it.Text, it.ClientID)
	}
	return err
}

func (c *Connector) wakePurge() {
	select {
	case c.purgeWake <- struct{}{}:
	default:
	}
}

// purgeLoop removes closed consultation rooms when their retention ends:
// everybody is removed from the room, then the homeserver purges it.
func (c *Connector) purgeLoop(ctx context.Context) {
	for ctx.Err() == nil {
		due, err := c.st.purgeDue(ctx, time.Now())
		if err != nil {
			c.log.Error("purge", "err", err)
		}
		for _, roomID := range due {
			if err := c.purge(ctx, roomID); err != nil {
				c.log.Warn("purge room failed, retrying later", "room", roomID, "err", err)
			}
		}
		wait := time.Hour
		if next, ok, _ := c.st.nextPurge(ctx); ok {
			wait = max(time.Until(next), time.Second)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-c.purgeWake:
			t.Stop()
		case <-t.C:
		}
	}
}

func (c *Connector) purge(ctx context.Context, roomID string) error {
	portal, err := c.br.GetExistingPortalByKey(ctx, roomPortal(roomID))
	if err != nil {
		return err
	}
	if portal != nil && portal.MXID != "" {
		mxid := portal.MXID
		if err := c.br.Bot.DeleteRoom(ctx, mxid, false); err != nil {
			return fmt.Errorf("empty room: %w", err)
		}
		if c.opt.Purge != nil {
			if err := c.opt.Purge(ctx, mxid); err != nil {
				return fmt.Errorf("purge %s: %w", html.EscapeString(mxid.String()), err)
			}
		}
		if err := portal.Delete(ctx); err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
	}
	return c.st.markPurged(ctx, roomID)
}

func (c *Connector) traceQueued(clientID string, start time.Time) {
	if c.opt.Trace == nil {
		return
	}
	c.traceMu.Lock()
	defer c.traceMu.Unlock()
	if c.traceStart == nil {
		c.traceStart = map[string]time.Time{}
	}
	c.traceStart[clientID] = start
}

func (c *Connector) traceDelivered(clientID string) {
	if c.opt.Trace == nil {
		return
	}
	c.traceMu.Lock()
	start, ok := c.traceStart[clientID]
	delete(c.traceStart, clientID)
	c.traceMu.Unlock()
	if ok {
		c.opt.Trace(Trace{Start: start, End: time.Now()})
	}
}
