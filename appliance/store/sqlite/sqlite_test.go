package sqlite_test

import (
	"context"
	"testing"

	"github.com/buergerbuero/buergerbuero/appliance/store"
	"github.com/buergerbuero/buergerbuero/appliance/store/sqlite"
	"github.com/buergerbuero/buergerbuero/appliance/store/storetest"
)

// TestUpgradeFromPreviousSchemaKeepsRows: SQLite's migrations upgrade a
// database of the previous schema with its rows (storetest.UpgradeKeepsRows).
func TestUpgradeFromPreviousSchemaKeepsRows(t *testing.T) {
	dir := t.TempDir()
	storetest.UpgradeKeepsRows(t, func(ctx context.Context, to int) (*store.DB, error) { return sqlite.OpenAt(ctx, dir, to) })
}

// TestNewerSchemaRefused: a SQLite file of a newer program is refused,
// untouched (storetest.NewerSchemaRefused).
func TestNewerSchemaRefused(t *testing.T) {
	dir := t.TempDir()
	storetest.NewerSchemaRefused(t, func(ctx context.Context, to int) (*store.DB, error) { return sqlite.OpenAt(ctx, dir, to) })
}
