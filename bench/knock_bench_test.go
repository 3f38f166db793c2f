package bench

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/reception"
	"github.com/buergerbuero/buergerbuero/appliance/staff"
	"github.com/buergerbuero/buergerbuero/appliance/store"
	"github.com/buergerbuero/buergerbuero/appliance/store/pgtest"
	"github.com/buergerbuero/buergerbuero/appliance/store/postgres"
	"github.com/buergerbuero/buergerbuero/appliance/store/sqlite"
)

// BenchmarkKnockSQLite measures knocks per second through the reception
// service into the default SQLite store (WAL, synchronous=NORMAL), each
// knock one durable transaction.
func BenchmarkKnockSQLite(b *testing.B) {
	db, err := sqlite.Open(context.Background(), b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	benchKnock(b, db)
}

// BenchmarkKnockPostgres is the same on PostgreSQL: a throw-away local
// cluster (pgtest: Unix socket, fsync and synchronous_commit off, which
// like SQLite's synchronous=NORMAL survives a process crash but not an OS
// crash), each knock one write transaction under the store's write lock.
func BenchmarkKnockPostgres(b *testing.B) {
	db, err := postgres.Open(context.Background(), pgtest.DSN(b), "")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	benchKnock(b, db)
}

func benchKnock(b *testing.B, db *store.DB) {
	ctx := context.Background()
	all := map[string][]string{}
	for _, d := range []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"} {
		all[d] = []string{"00:00-24:00"}
	}
	for i := 0; i < 4; i++ {
		if err := db.UpsertOffice(ctx, reception.Office{ID: fmt.Sprintf("o%d", i), Name: "Amt", Prefix: "A", Chairs: 5, Hours: all, IgnoreHolidays: true, KnocksWithoutClerk: true, Position: i}); err != nil {
			b.Fatal(err)
		}
	}
	svc := reception.New(db, db, reception.Settings{GracePeriod: time.Hour, MaxQueue: 1 << 30, DefaultHandling: 10 * time.Minute,
		KnockBurst: 1 << 30, KnockPer: time.Second, Retention: reception.Retention{Personal: time.Hour}, MaxUpload: 1 << 20}, nil, nil)
	if err := svc.Start(ctx, []staff.Clerk{}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			if _, err := svc.Knock(ctx, fmt.Sprintf("o%d", i%4), reception.KnockRequest{Concern: "Ein Anliegen für die Messung", Language: "de"}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "knocks/s")
}
