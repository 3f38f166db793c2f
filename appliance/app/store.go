package app

import (
	"context"
	"fmt"

	"github.com/buergerbuero/buergerbuero/appliance/config"
	"github.com/buergerbuero/buergerbuero/appliance/store"
)

// OpenStore opens the configured database: SQLite in store.data_dir or
// PostgreSQL at store.dsn. Either is migrated to this version's schema; an
// unreachable server or a newer schema stops here with the cause.
func OpenStore(ctx context.Context, c config.Store) (*store.DB, error) {
	switch c.Driver {
	case "", "sqlite":
		return store.OpenSQLite(ctx, c.DataDir)
	case "postgres":
		pw, err := c.Password()
		if err != nil {
			return nil, err
		}
		return store.OpenPostgres(ctx, c.DSN, pw)
	}
	return nil, fmt.Errorf("store.driver %q: one of sqlite, postgres", c.Driver)
}
