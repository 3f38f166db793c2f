package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// The PostgreSQL side of the store: the same statements as on SQLite,
// written with ? placeholders and rebound to $n by the connection, so a
// store file has one text per statement for both dialects. What differs
// lives here and in migrations_postgres: the schema (identity columns,
// BYTEA) and the write lock (tx).

// writeLockKey is the advisory lock every PostgreSQL write transaction
// takes first. It serialises writers the way SQLite's single writer does,
// so the store's statements (read a counter, then insert; count the
// chairs, then book) mean the same on both dialects, and the events'
// sequence numbers become visible in their order. Readers never take it.
const writeLockKey = 0x62756572 // "buer"

// OpenPostgres connects to the database at dsn (a postgres:// URL or a
// key=value string; password may be "" to take it from the DSN, PGPASSWORD
// or ~/.pgpass) and runs the migrations. An unreachable server fails here,
// with its host and the cause.
func OpenPostgres(ctx context.Context, dsn, password string) (*DB, error) {
	db, err := openPostgres(ctx, dsn, password)
	if err != nil {
		return nil, err
	}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func openPostgres(ctx context.Context, dsn, password string) (*DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx quotes the DSN in some parse errors; never echo a password
		return nil, errors.New("store.dsn: not a valid PostgreSQL URL or connection string")
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
		return nil, fmt.Errorf("cannot connect to PostgreSQL at %s: %w", pgTarget(cfg), pgCause(err))
	}
	return &DB{w: pool, r: pool, pg: true, pgcfg: cfg}, nil
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
