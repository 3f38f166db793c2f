package app

import (
	"context"
	"fmt"

	"github.com/buergerbuero/buergerbuero/appliance/config"
	"github.com/buergerbuero/buergerbuero/appliance/store"
	"github.com/buergerbuero/buergerbuero/appliance/store/postgres"
	"github.com/buergerbuero/buergerbuero/appliance/store/sqlite"
)

// OpenStore opens the configured database: SQLite in store.data_dir or
// PostgreSQL at store.dsn. Either is migrated to this version's schema; an
// unreachable server or a newer schema stops here with the cause.
func OpenStore(ctx context.Context, c config.Store) (*store.DB, error) {
	switch c.Driver {
	case "", "sqlite":
		return sqlite.Open(ctx, c.DataDir)
	case "postgres":
		pw, err := c.Password()
		if err != nil {
			return nil, err
		}
		return postgres.Open(ctx, c.DSN, pw)
	}
	return nil, fmt.Errorf("store.driver %q: one of sqlite, postgres", c.Driver)
}
