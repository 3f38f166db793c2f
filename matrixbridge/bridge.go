package matrixbridge

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"text/template"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the pgx driver (database: postgres://…)
	"go.mau.fi/util/dbutil"
	_ "go.mau.fi/util/dbutil/litestream" // registers the sqlite3-fk-wal driver (mattn/go-sqlite3)
	"gopkg.in/yaml.v3"
	"maunium.net/go/mautrix/appservice"
	"maunium.net/go/mautrix/bridgev2"
	"maunium.net/go/mautrix/bridgev2/bridgeconfig"
	"maunium.net/go/mautrix/bridgev2/commands"
	"maunium.net/go/mautrix/bridgev2/matrix"
	"maunium.net/go/mautrix/bridgev2/matrix/mxmain"

	"github.com/buergerbuero/buergerbuero/appliance/logging"
	"github.com/buergerbuero/buergerbuero/matrixbridge/connector"
	"github.com/buergerbuero/buergerbuero/matrixbridge/staffapi"
)

// Bridge is a running bridge: bridgev2 with the buergerbuero connector.
type Bridge struct {
	cfg   *Config
	log   *slog.Logger
	db    *dbutil.Database
	mx    *matrix.Connector
	br    *bridgev2.Bridge
	conn  *connector.Connector
	apiHC *http.Client
}

// Options tune a bridge beyond its config file (tests, benchmarks).
type Options struct {
	// IgnoreUnsupportedServer starts even if the homeserver advertises an
	// old spec version (Dendrite advertises 1.2).
	IgnoreUnsupportedServer bool
	// ApplianceClient is the HTTP client for the appliance (default: built
	// from appliance.ca_file).
	ApplianceClient *http.Client
	// ApplianceTLS is the TLS configuration of the event stream when
	// ApplianceClient's transport is not an *http.Transport.
	ApplianceTLS *tls.Config
	// OnEvent is called after each staff stream event was bridged.
	OnEvent func(staffapi.Event)
	// Trace receives the time each chat message spent in the bridge.
	Trace func(connector.Trace)
	// WrapMatrixTransport wraps the HTTP transport to the homeserver
	// (benchmarks measure the homeserver's share with it).
	WrapMatrixTransport func(http.RoundTripper) http.RoundTripper
}

// New prepares a bridge from cfg; Start runs it.
func New(cfg *Config, log *slog.Logger, opt Options) (*Bridge, error) {
	reg, err := appservice.LoadRegistration(cfg.AppService.Registration)
	if err != nil {
		return nil, fmt.Errorf("appservice.registration: %w (run with --generate-registration first)", err)
	}
	token, err := readSecret("appliance.service_token_file", cfg.Appliance.ServiceTokenFile)
	if err != nil {
		return nil, err
	}
	hc := opt.ApplianceClient
	if hc == nil {
		if hc, err = applianceClient(cfg.Appliance.CAFile); err != nil {
			return nil, err
		}
	}
	bc, err := cfg.bridgeConfig(reg.AppToken, reg.ServerToken)
	if err != nil {
		return nil, err
	}
	// mautrix logs request bodies (message texts) at debug level: its
	// records are never logged below info, whatever log_level says.
	zl := logging.Zerolog(slog.New(atLeast{next: log.Handler(), min: slog.LevelInfo}))
	db, err := dbutil.NewFromConfig("megabridge/buergerbuero", bc.Database, dbutil.ZeroLogger(zl.With().Str("db_section", "main").Logger()))
	if err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	purge, err := cfg.purger()
	if err != nil {
		return nil, err
	}
	b := &Bridge{cfg: cfg, log: log, db: db, apiHC: hc}
	b.conn = connector.New(connector.Options{
		API: staffapi.New(cfg.Appliance.URL, token, hc).WithTLS(opt.ApplianceTLS).WithLanguage(cfg.Language), Language: cfg.Language, Retention: cfg.Retention,
		Purge: purge, MaxFileBytes: cfg.Appliance.MaxFileBytes, Log: log.With("component", "connector"), OnEvent: opt.OnEvent, Trace: opt.Trace,
	})
	b.mx = matrix.NewConnector(bc)
	b.mx.IgnoreUnsupportedServer = opt.IgnoreUnsupportedServer
	b.br = bridgev2.NewBridge("", db, zl, &bc.Bridge, b.mx, b.conn, commands.NewProcessor)
	// One quick retry inside mautrix; longer outages are bridged by the
	// event stream's own retry (from the stored seq), which keeps order.
	b.mx.AS.DefaultHTTPRetries = 1
	ackAfterHandling(b.mx.AS, b.mx.EventProcessor)
	if opt.WrapMatrixTransport != nil {
		rt := b.mx.AS.HTTPClient.Transport
		if rt == nil {
			rt = http.DefaultTransport
		}
		b.mx.AS.HTTPClient.Transport = opt.WrapMatrixTransport(rt)
	}
	return b, nil
}

// Start connects to the homeserver (waiting for it to come up) and the
// appliance; the appliance connection is retried in the background.
func (b *Bridge) Start(ctx context.Context) error {
	if err := b.br.StartConnectors(ctx); err != nil {
		var ee matrix.ExitError
		if errors.As(err, &ee) {
			return fmt.Errorf("start bridge: homeserver check failed (mautrix exit code %d; see the log)", ee.ExitCode)
		}
		return fmt.Errorf("start bridge: %w", err)
	}
	if err := b.br.StartLogins(ctx); err != nil {
		return fmt.Errorf("start logins: %w", err)
	}
	b.br.PostStart(ctx)
	return b.conn.EnsureServiceLogin(ctx)
}

// Stop stops the bridge gracefully.
func (b *Bridge) Stop() {
	b.br.StopWithTimeout(5 * time.Second)
}

// bridgeConfig builds mautrix's full config from the example shipped with
// mautrix (its defaults) and our few settings.
func (c *Config) bridgeConfig(asToken, hsToken string) (*bridgeconfig.Config, error) {
	tmpl, err := template.New("mautrix").Delims("$<<", ">>").Parse(mxmain.MatrixExampleConfigBase)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, (&connector.Connector{}).GetName()); err != nil {
		return nil, err
	}
	var bc bridgeconfig.Config
	if err := yaml.Unmarshal(buf.Bytes(), &bc); err != nil {
		return nil, fmt.Errorf("mautrix defaults: %w", err)
	}
	host, portStr, err := net.SplitHostPort(c.AppService.Listen)
	if err != nil {
		return nil, fmt.Errorf("appservice.listen: %w", err)
	}
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil {
		return nil, fmt.Errorf("appservice.listen: %w", err)
	}
	bc.Homeserver.Address = c.Homeserver.Address
	bc.Homeserver.Domain = c.Homeserver.Domain
	bc.Homeserver.Software = bridgeconfig.SoftwareStandard
	bc.AppService.Address = c.AppService.URL
	bc.AppService.Hostname, bc.AppService.Port = host, uint16(port)
	bc.AppService.ID = c.AppService.ID
	bc.AppService.Bot.Username = c.AppService.BotUsername
	bc.AppService.Bot.Displayname = c.AppService.BotDisplayname
	bc.AppService.Bot.Avatar = ""
	bc.AppService.UsernameTemplate = c.AppService.UsernameTemplate
	bc.AppService.ASToken, bc.AppService.HSToken = asToken, hsToken
	bc.AppService.EphemeralEvents = false
	if c.Postgres() {
		bc.Database = dbutil.Config{PoolConfig: dbutil.PoolConfig{Type: "pgx", URI: c.Database, MaxOpenConns: 5, MaxIdleConns: 1}}
	} else {
		bc.Database = dbutil.Config{PoolConfig: dbutil.PoolConfig{Type: "sqlite3-fk-wal", URI: "file:" + c.Database + "?_txlock=immediate", MaxOpenConns: 5, MaxIdleConns: 1}}
	}

	bc.Bridge.CommandPrefix = "!bb"
	bc.Bridge.PortalEventBuffer = 0 // synchronous: the stream only advances when Matrix has the event
	bc.Bridge.PersonalFilteringSpaces = false
	bc.Bridge.KickMatrixUsers = false
	bc.Bridge.BridgeNotices = false
	// No bridge-state notices to management rooms: nobody reads them here,
	// and mautrix v0.31.0's delayed transient-disconnect notice has a data race.
	bc.Bridge.BridgeStatusNotices = "none"
	bc.Bridge.Relay.Enabled = true
	bc.Bridge.Relay.AdminOnly = false
	bc.Bridge.CleanupOnLogout.Enabled = false
	perms := bridgeconfig.PermissionConfig{"*": ptr(bridgeconfig.PermissionLevelRelay)}
	for _, a := range c.Admins {
		perms[a] = ptr(bridgeconfig.PermissionLevelAdmin)
	}
	bc.Bridge.Permissions = perms
	bc.Matrix.MessageStatusEvents = false
	bc.Matrix.DeliveryReceipts = false
	bc.Matrix.MessageErrorNotices = true
	bc.Matrix.FederateRooms = false
	bc.Backfill.Enabled = false
	bc.Bridge.Backfill = bc.Backfill
	bc.Provisioning.SharedSecret = "disable"
	bc.PublicMedia.Enabled = false
	bc.DirectMedia.Enabled = false
	bc.Encryption.Allow = false
	bc.Encryption.Default = false
	bc.Encryption.Require = false
	bc.DoublePuppet.Servers = nil
	bc.DoublePuppet.Secrets = nil
	return &bc, nil
}

func ptr[T any](v T) *T { return &v }

func applianceClient(caFile string) (*http.Client, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("appliance.ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("appliance.ca_file: no certificates in %s", caFile)
		}
		tc.RootCAs = pool
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = tc
	return &http.Client{Transport: tr, Timeout: 2 * time.Minute}, nil
}

// atLeast drops records below min before they reach next.
type atLeast struct {
	next slog.Handler
	min  slog.Level
}

func (a atLeast) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= a.min && a.next.Enabled(ctx, l)
}
func (a atLeast) Handle(ctx context.Context, r slog.Record) error { return a.next.Handle(ctx, r) }
func (a atLeast) WithAttrs(as []slog.Attr) slog.Handler {
	return atLeast{next: a.next.WithAttrs(as), min: a.min}
}
func (a atLeast) WithGroup(n string) slog.Handler {
	return atLeast{next: a.next.WithGroup(n), min: a.min}
}
