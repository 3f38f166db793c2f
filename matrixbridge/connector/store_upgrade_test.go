package connector

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the pgx driver
	"go.mau.fi/util/dbutil"
	_ "go.mau.fi/util/dbutil/litestream" // the sqlite3-fk-wal driver

	"github.com/buergerbuero/buergerbuero/appliance/store/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// TestBridgeTablesUpgradeKeepsRows: a bridge database from before the
// version table (its tables created directly) is taken over by the
// upgrade table with its rows, on SQLite and on PostgreSQL; a second
// start changes nothing.
func TestBridgeTablesUpgradeKeepsRows(t *testing.T) {
	ctx := context.Background()
	for _, dialect := range []struct{ name, driver string }{{"sqlite", "sqlite3-fk-wal"}, {"postgres", "pgx"}} {
		t.Run(dialect.name, func(t *testing.T) {
			uri := "file:" + filepath.Join(t.TempDir(), "bridge.db") + "?_txlock=immediate"
			if dialect.name == "postgres" {
				uri = pgtest.DSN(t)
			}
			db, err := dbutil.NewWithDialect(uri, dialect.driver)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			// the tables as the bridge created them before bb_version
			for _, q := range []string{
				`CREATE TABLE bb_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
				`CREATE TABLE bb_room (room_id TEXT PRIMARY KEY, ticket_id TEXT NOT NULL, number TEXT NOT NULL,
					office_id TEXT NOT NULL, clerk TEXT NOT NULL, ghost TEXT NOT NULL,
					language TEXT NOT NULL, closed INTEGER NOT NULL DEFAULT 0, purge_at INTEGER NOT NULL DEFAULT 0)`,
				`INSERT INTO bb_state (key, value) VALUES ('last_seq', '41')`,
			} {
				if _, err := db.Exec(ctx, q); err != nil {
					t.Fatal(err)
				}
			}
			for start := 1; start <= 2; start++ {
				s := newStore(db)
				if err := s.migrate(ctx); err != nil {
					t.Fatalf("start %d: %v", start, err)
				}
				if seq, err := s.lastSeq(ctx); err != nil || seq != 41 {
					t.Fatalf("start %d: last seq %d, %v; want 41", start, seq, err)
				}
			}
			s := newStore(db)
			if err := s.enqueue(ctx, outboxItem{ClientID: "c1", RoomID: "r", ActAs: "anna", MXRoom: "!x", Text: "Hallo", FileData: []byte{0, 1, 2}}); err != nil {
				t.Fatal(err)
			}
			it, ok, err := s.peek(ctx)
			if err != nil || !ok || it.ID == 0 || string(it.FileData) != "\x00\x01\x02" {
				t.Fatalf("outbox after the upgrade: %+v %v %v", it, ok, err)
			}
		})
	}
}
