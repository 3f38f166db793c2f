package bench

import (
	"os"
	"testing"

	"github.com/buergerbuero/buergerbuero/appliance/store/pgtest"
)

// TestMain stops the PostgreSQL cluster BenchmarkKnockPostgres started.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
