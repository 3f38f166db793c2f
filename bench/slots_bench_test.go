package bench

import (
	"database/sql"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// BenchmarkSlots measures the available-slots query a citizen's booking
// page makes (GET /api/v1/offices/{id}/services/{svc}/slots, in the
// process, no network) against the seeded county of 50 offices × 90 days
// on SQLite: one office and service chosen at random per request, for a
// day, a week and the whole horizon (from today to 90 days ahead; the API
// answers at most 62 days per request). The baseline is the same
// requests after dropping the index appointments_by_slot, i.e. the store
// without its slot index.
func BenchmarkSlots(b *testing.B) {
	c := newCounty(b)
	services := []string{"ausweis", "reisepass", "meldung", "bauberatung"}
	today := benchNow.Format("2006-01-02")
	ranges := []struct {
		name string
		path func(rng *rand.Rand) string
	}{
		{"day", func(rng *rand.Rand) string {
			d := benchNow.AddDate(0, 0, rng.IntN(90))
			return "from=" + d.Format("2006-01-02") + "&to=" + d.AddDate(0, 0, 1).Format("2006-01-02")
		}},
		{"week", func(rng *rand.Rand) string {
			d := benchNow.AddDate(0, 0, 7*rng.IntN(12)) // Mondays
			return "from=" + d.Format("2006-01-02") + "&to=" + d.AddDate(0, 0, 7).Format("2006-01-02")
		}},
		{"horizon", func(*rand.Rand) string {
			return "from=" + today + "&to=" + benchNow.AddDate(0, 0, 90).Format("2006-01-02")
		}},
	}
	run := func(prefix string) {
		for _, r := range ranges {
			b.Run(prefix+r.name, func(b *testing.B) {
				rng := rand.New(rand.NewPCG(7, 7))
				lat := make(latencies, 0, b.N)
				slots := 0
				b.ReportAllocs()
				b.ResetTimer()
				for range b.N {
					path := fmt.Sprintf("/api/v1/offices/o%02d/services/%s/slots?%s", rng.IntN(benchOffices), services[rng.IntN(len(services))], r.path(rng))
					t0 := time.Now()
					st, body := c.get(path)
					lat = append(lat, time.Since(t0))
					if st != 200 {
						b.Fatalf("%s: %d %s", path, st, body)
					}
					slots += strings.Count(body, `"start"`)
				}
				b.StopTimer()
				lat.report(b)
				b.ReportMetric(float64(slots)/float64(b.N), "slots/op")
			})
		}
	}
	run("")
	// baseline: the same requests without the slot index
	rw, err := sql.Open("sqlite3", "file:"+filepath.Join(c.dir, "buergerbuero.db")+"?_busy_timeout=5000")
	if err != nil {
		b.Fatal(err)
	}
	defer rw.Close()
	if _, err := rw.Exec(`DROP INDEX appointments_by_slot`); err != nil {
		b.Fatal(err)
	}
	run("noindex-")
}
