package bench

import (
	"net/http"
	"sync"
	"testing"
	"time"
)

// BenchmarkClusterAdmitRace: two clerks, on different nodes of three
// sharing one PostgreSQL (postgres-3nodes), click "admit" on the same
// ticket at the same moment, beside the same race of two clerks on the
// default single node on SQLite (sqlite-1node) in the same run. Each
// round exactly one wins (200) and the other is told a colleague was
// faster (409); anything else fails the benchmark. Reported: rounds/s
// and conflicts resolved/s (the 409s) per second of racing, and p50/p99/
// max of a round (both admissions sent at once until both are answered).
// The knock before a round (on the nodes in turn) and the winner's end
// after it are not timed.
//
//	go test -tags goolm -run '^$' -bench ClusterAdmitRace -benchtime 2000x ./bench/
func BenchmarkClusterAdmitRace(b *testing.B) {
	for _, m := range clusterModes {
		c := startBenchCluster(b, m, 1000, "clerk-a", "clerk-b")
		clerks := []*benchClerk{c.login(b, 0, "clerk-a"), c.login(b, 1%len(c.nodes), "clerk-b")}
		b.Run(m.name, func(b *testing.B) { admitRace(b, c, clerks) })
		c.stop()
	}
}

func admitRace(b *testing.B, c *benchCluster, clerks []*benchClerk) {
	var raced time.Duration
	var lat []time.Duration
	conflicts := 0
	b.ResetTimer()
	b.StopTimer()
	for i := range b.N {
		k, err := c.knockOn(i % len(c.nodes))
		if err != nil {
			b.Fatal(err)
		}
		go1 := make(chan struct{})
		status := make([]int, len(clerks))
		errs := make([]error, len(clerks))
		var wg sync.WaitGroup
		for j, cl := range clerks {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-go1
				status[j], errs[j] = cl.do("POST", "/api/v1/staff/tickets/"+k.ID+"/admit", map[string]string{}, nil)
			}()
		}
		b.StartTimer()
		start := time.Now()
		close(go1)
		wg.Wait()
		d := time.Since(start)
		b.StopTimer()
		raced += d
		lat = append(lat, d)
		var winner *benchClerk
		for j, st := range status {
			switch {
			case errs[j] != nil:
				b.Fatalf("round %d: %v", i, errs[j])
			case st == http.StatusOK && winner == nil:
				winner = clerks[j]
			case st == http.StatusConflict:
				conflicts++
			default:
				b.Fatalf("round %d: statuses %v, want exactly one 200 and 409 for the others", i, status)
			}
		}
		if winner == nil {
			b.Fatalf("round %d: nobody won: %v", i, status)
		}
		if st, err := winner.do("POST", "/api/v1/staff/tickets/"+k.ID+"/end", map[string]string{}, nil); err != nil || st != http.StatusOK {
			b.Fatalf("round %d: end: %d %v", i, st, err)
		}
	}
	b.ReportMetric(float64(b.N)/raced.Seconds(), "rounds/s")
	b.ReportMetric(float64(conflicts)/raced.Seconds(), "conflicts/s")
	reportLatencies(b, lat)
}
