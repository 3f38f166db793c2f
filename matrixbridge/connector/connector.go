// Package connector is the bridgev2 network connector of the Matrix
// bridge: it maps the appliance's offices and consultation rooms to portals,
// the staff event stream to remote events, and Matrix messages, commands and
// reactions to staff API calls made for the sending clerk (X-Act-As). It owns
// its tables in the bridge database (store.go); Matrix itself is owned by
// bridgev2.
package connector

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.mau.fi/util/configupgrade"
	"maunium.net/go/mautrix/bridgev2"
	"maunium.net/go/mautrix/bridgev2/database"
	"maunium.net/go/mautrix/bridgev2/networkid"
	"maunium.net/go/mautrix/id"

	"github.com/buergerbuero/buergerbuero/appliance/i18n"
	"github.com/buergerbuero/buergerbuero/matrixbridge/staffapi"
)

// ServiceLoginID is the bridge's own login: the relay of every portal and
// the source of all remote events. Clerks' logins are "clerk:<login>".
const ServiceLoginID networkid.UserLoginID = "service"

const clerkLoginPrefix = "clerk:"

// Options configure the connector.
type Options struct {
	API *staffapi.Client
	// Language of replies: "de" or "en".
	Language string
	// Catalogue holds the texts of the notices (nil: the built-in one).
	Catalogue *i18n.Catalogue
	// Retention is how long a closed consultation room is kept before it is purged.
	Retention time.Duration
	// Purge deletes a Matrix room on the homeserver (nil: rooms are only left).
	Purge func(ctx context.Context, roomID id.RoomID) error
	// MaxFileBytes caps downloads from the appliance (the appliance enforces its own limit on uploads).
	MaxFileBytes int64
	Log          *slog.Logger
	// OnEvent, if set, is called after a stream event was handled (tests, benchmarks).
	OnEvent func(staffapi.Event)
	// Trace, if set, is told how long each chat message spent in the bridge
	// (benchmarks of the bridge's own latency).
	Trace func(Trace)
}

// Trace is the passage of one chat message through the bridge.
type Trace struct {
	// ToMatrix is true for appliance → Matrix, false for Matrix → appliance.
	ToMatrix bool
	// Start: the event was read from the staff stream, or the Matrix event
	// reached the connector. End: Matrix, or the appliance, accepted it.
	Start, End time.Time
}

// Connector implements bridgev2.NetworkConnector.
type Connector struct {
	opt Options
	br  *bridgev2.Bridge
	st  *store
	log *slog.Logger
	loc *i18n.Localizer // the notices' language

	clerksMu  sync.Mutex
	clerks    map[id.UserID]staffapi.Clerk // by Matrix ID
	byLogin   map[string]staffapi.Clerk
	refreshed time.Time

	outboxWake chan struct{}
	purgeWake  chan struct{}

	inDoubt atomic.Bool // the next send may already have happened (see exactlyonce.go)

	// On the first start: tickets knocked before firstStart are bridged only
	// if they were active then (owned by the run goroutine).
	firstStart time.Time
	active     map[string]bool

	traceMu    sync.Mutex
	traceStart map[string]time.Time // outbox client_id → start, only with Options.Trace

	runMu     sync.Mutex
	runCancel context.CancelFunc
	runDone   chan struct{}
}

var (
	_ bridgev2.NetworkConnector = (*Connector)(nil)
	_ bridgev2.StoppableNetwork = (*Connector)(nil)
)

// New returns a connector.
func New(opt Options) *Connector {
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.MaxFileBytes == 0 {
		opt.MaxFileBytes = 100 << 20
	}
	return &Connector{opt: opt, log: opt.Log, loc: localizer(opt.Catalogue, opt.Language), outboxWake: make(chan struct{}, 1), purgeWake: make(chan struct{}, 1), active: map[string]bool{},
		clerks: map[id.UserID]staffapi.Clerk{}, byLogin: map[string]staffapi.Clerk{}}
}

func (c *Connector) Init(br *bridgev2.Bridge) {
	c.br = br
	c.st = newStore(br.DB.Database)
}

func (c *Connector) Start(ctx context.Context) error { return c.st.migrate(ctx) }

// Stop ends the stream, outbox and purge loops.
func (c *Connector) Stop() { c.stopRun() }

func (c *Connector) GetName() bridgev2.BridgeName {
	return bridgev2.BridgeName{
		DisplayName:      "Bürgerbüro",
		NetworkURL:       "https://github.com/buergerbuero/buergerbuero",
		NetworkID:        "buergerbuero",
		BeeperBridgeType: "buergerbuero",
		DefaultPort:      29340,
	}
}

func (c *Connector) GetDBMetaTypes() database.MetaTypes { return database.MetaTypes{} }

func (c *Connector) GetCapabilities() *bridgev2.NetworkGeneralCapabilities {
	return &bridgev2.NetworkGeneralCapabilities{}
}

func (c *Connector) GetConfig() (string, any, configupgrade.Upgrader) { return "", nil, nil }

func (c *Connector) GetBridgeInfoVersion() (int, int) { return 1, 1 }

// GetLoginFlows is empty: logins are created by the bridge from the
// appliance's clerk list, never by users.
func (c *Connector) GetLoginFlows() []bridgev2.LoginFlow { return nil }

func (c *Connector) CreateLogin(context.Context, *bridgev2.User, string) (bridgev2.LoginProcess, error) {
	return nil, fmt.Errorf("logins are provisioned from the appliance's clerk list")
}

func (c *Connector) LoadUserLogin(_ context.Context, login *bridgev2.UserLogin) error {
	cl := &client{c: c, login: login}
	if s, ok := strings.CutPrefix(string(login.ID), clerkLoginPrefix); ok {
		cl.clerk = s
	}
	login.Client = cl
	return nil
}

// lang is the configured reply language.
func (c *Connector) lang() string { return c.opt.Language }

// refreshClerks reloads the clerk directory (at most every 5 s unless force).
func (c *Connector) refreshClerks(ctx context.Context, force bool) error {
	c.clerksMu.Lock()
	fresh := time.Since(c.refreshed) < 5*time.Second
	c.clerksMu.Unlock()
	if fresh && !force {
		return nil
	}
	cs, err := c.opt.API.Clerks(ctx)
	if err != nil {
		return fmt.Errorf("load clerks: %w", err)
	}
	c.clerksMu.Lock()
	defer c.clerksMu.Unlock()
	c.clerks = map[id.UserID]staffapi.Clerk{}
	c.byLogin = map[string]staffapi.Clerk{}
	for _, cl := range cs {
		c.byLogin[cl.Login] = cl
		if cl.MatrixID != "" {
			c.clerks[id.UserID(cl.MatrixID)] = cl
		}
	}
	c.refreshed = time.Now()
	return nil
}

func (c *Connector) setClerk(cl staffapi.Clerk) {
	c.clerksMu.Lock()
	defer c.clerksMu.Unlock()
	for mx, old := range c.clerks {
		if old.Login == cl.Login {
			delete(c.clerks, mx)
		}
	}
	c.byLogin[cl.Login] = cl
	if cl.MatrixID != "" {
		c.clerks[id.UserID(cl.MatrixID)] = cl
	}
}

// clerkByMXID finds the clerk with this Matrix ID, reloading the directory
// once if it is unknown (a clerk may have been added since).
func (c *Connector) clerkByMXID(ctx context.Context, mxid id.UserID) (staffapi.Clerk, bool) {
	c.clerksMu.Lock()
	cl, ok := c.clerks[mxid]
	c.clerksMu.Unlock()
	if ok {
		return cl, true
	}
	if err := c.refreshClerks(ctx, false); err != nil {
		c.log.Warn("clerk directory", "err", err)
	}
	c.clerksMu.Lock()
	defer c.clerksMu.Unlock()
	cl, ok = c.clerks[mxid]
	return cl, ok
}

func (c *Connector) clerkByLogin(login string) (staffapi.Clerk, bool) {
	c.clerksMu.Lock()
	defer c.clerksMu.Unlock()
	cl, ok := c.byLogin[login]
	return cl, ok
}

func (c *Connector) allClerks() []staffapi.Clerk {
	c.clerksMu.Lock()
	defer c.clerksMu.Unlock()
	out := make([]staffapi.Clerk, 0, len(c.byLogin))
	for _, cl := range c.byLogin {
		out = append(out, cl)
	}
	return out
}

// clerkName is the clerk's display name, or the login.
func (c *Connector) clerkName(login string) string {
	if cl, ok := c.clerkByLogin(login); ok && cl.DisplayName != "" {
		return cl.DisplayName
	}
	return login
}

// Portal ids.
func officePortal(officeID string) networkid.PortalKey {
	return networkid.PortalKey{ID: networkid.PortalID("office:" + officeID)}
}

func roomPortal(roomID string) networkid.PortalKey {
	return networkid.PortalKey{ID: networkid.PortalID("room:" + roomID)}
}

// portalKind splits a portal id into "office"/"room" and the appliance id.
func portalKind(p *bridgev2.Portal) (kind, applianceID string) {
	k, v, _ := strings.Cut(string(p.ID), ":")
	return k, v
}
