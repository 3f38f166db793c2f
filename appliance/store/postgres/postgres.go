// Package postgres is the store's dialect for several nodes on one
// PostgreSQL (github.com/jackc/pgx/v5): the connection (a postgres:// URL
// or key=value DSN, the password apart from it), its migrations
// (migrations/, embedded), the rewriting of the core's ? placeholders to
// $n, the advisory lock that serialises write transactions, and the
// LISTEN connection that wakes a node when another commits an event. The
// statements are the core's (appliance/store); what differs lives here
// and in the migrations: the schema (identity columns, BYTEA), the write
// lock and the notifications.
package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/store"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations are the dialect's schema files (NNNN_name.sql).
var Migrations, _ = fs.Sub(migrations, "migrations")

// writeLockKey is the advisory lock every PostgreSQL write transaction
// takes first. It serialises writers the way SQLite's single writer does,
// so the core's statements (read a counter, then insert; count the
// chairs, then book) mean the same on both dialects, and the events'
// sequence numbers become visible in their order. Readers never take it.
const writeLockKey = 0x62756572 // "buer"

// Open connects to the database at dsn (a postgres:// URL or a key=value
// string; password may be "" to take it from the DSN, PGPASSWORD or
// ~/.pgpass) and runs the migrations. An unreachable server fails here,
// with its host and the cause.
func Open(ctx context.Context, dsn, password string) (*store.DB, error) {
	d, err := dialect(ctx, dsn, password)
	if err != nil {
		return nil, err
	}
	return store.New(ctx, d)
}

// OpenAt opens the database at dsn migrated only up to version to: an
// upgrade test starts from an older schema.
func OpenAt(ctx context.Context, dsn string, to int) (*store.DB, error) {
	d, err := dialect(ctx, dsn, "")
	if err != nil {
		return nil, err
	}
	return store.NewAt(ctx, d, to)
}

func dialect(ctx context.Context, dsn, password string) (store.Dialect, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx quotes the DSN in some parse errors; never echo a password
		return store.Dialect{}, errors.New("store.dsn: not a valid PostgreSQL URL or connection string")
	}
	if password != "" {
		cfg.Password = password
	}
	if cfg.ConnectTimeout == 0 {
		// a host that drops packets must not hold serve's start-up forever
		cfg.ConnectTimeout = 10 * time.Second
	}
	pool := sql.OpenDB(rebindConnector{stdlib.GetConnector(*cfg)})
	pool.SetMaxOpenConns(8)
	pool.SetMaxIdleConns(8)
	if err := pool.PingContext(ctx); err != nil {
		pool.Close()
		return store.Dialect{}, fmt.Errorf("cannot connect to PostgreSQL at %s: %w", pgTarget(cfg), pgCause(err))
	}
	return store.Dialect{
		Name: "postgres", W: pool, R: pool, Migrations: Migrations,
		WriteLock: "SELECT pg_advisory_xact_lock(" + strconv.Itoa(writeLockKey) + ")",
		Listen:    func(ctx context.Context, wake, connected func()) error { return listen(ctx, cfg, wake, connected) },
	}, nil
}

// listen opens a connection of its own that LISTENs to bb_events (the
// trigger of migration 0021) and calls wake for each notification, and
// once after connected, for whatever was committed while nobody listened.
func listen(ctx context.Context, cfg *pgx.ConnConfig, wake, connected func()) error {
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return pgCause(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, `LISTEN bb_events`); err != nil {
		return pgCause(err)
	}
	connected()
	wake()
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return pgCause(err)
		}
		wake()
	}
}

// pgTarget names the server for an error: host and port, or the socket
// directory, and the database; never the user's password.
func pgTarget(cfg *pgx.ConnConfig) string {
	host := cfg.Host
	if !strings.HasPrefix(host, "/") {
		host += ":" + strconv.Itoa(int(cfg.Port))
	}
	return host + "/" + cfg.Database
}

// pgCause keeps the server's own message (authentication failed, database
// does not exist) or the network's (connection refused, no such host,
// timeout), without pgx's repetition of the address.
func pgCause(err error) error {
	var pe *pgconn.PgError
	var dns *net.DNSError
	var op *net.OpError
	switch {
	case errors.As(err, &pe):
		return fmt.Errorf("%s (SQLSTATE %s)", pe.Message, pe.Code)
	case errors.As(err, &dns):
		return dns
	case errors.As(err, &op):
		return op.Err
	}
	return err
}

// rebindConnector hands out connections that rewrite ? placeholders.
type rebindConnector struct{ driver.Connector }

func (c rebindConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return rebindConn{conn.(*stdlib.Conn)}, nil
}

// rebindConn is pgx's database/sql connection with the statement text
// rebound; every other capability (transactions, named value checks,
// session reset) is pgx's own, promoted by the embedding.
type rebindConn struct{ *stdlib.Conn }

func (c rebindConn) Prepare(query string) (driver.Stmt, error) {
	return c.Conn.Prepare(rebind(query))
}

func (c rebindConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.Conn.PrepareContext(ctx, rebind(query))
}

func (c rebindConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	return c.Conn.ExecContext(ctx, rebind(query), args)
}

func (c rebindConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	return c.Conn.QueryContext(ctx, rebind(query), args)
}

// CheckNamedValue stores a Go bool as 1 or 0, as SQLite's driver does: the
// schema keeps flags in integer columns on both dialects, where pgx would
// refuse to encode a bool. Everything else is pgx's own conversion.
func (c rebindConn) CheckNamedValue(nv *driver.NamedValue) error {
	if b, ok := nv.Value.(bool); ok {
		nv.Value = int64(0)
		if b {
			nv.Value = int64(1)
		}
		return nil
	}
	return c.Conn.CheckNamedValue(nv)
}

// rebind turns each ? outside string literals, quoted names and comments
// into $1, $2, … in order.
func rebind(q string) string {
	if !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		switch c := q[i]; {
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(q) && q[j] != c {
				j++
			}
			if j >= len(q) {
				j = len(q) - 1
			}
			b.WriteString(q[i : j+1])
			i = j
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			j := strings.IndexByte(q[i:], '\n')
			if j < 0 {
				j = len(q) - i - 1
			}
			b.WriteString(q[i : i+j+1])
			i += j
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
