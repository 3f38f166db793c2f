package staff_test

import (
	"os"
	"testing"

	"github.com/buergerbuero/buergerbuero/appliance/store/storetest"
)

// TestMain stops the PostgreSQL cluster of a run on PostgreSQL
// (BUERGERBUERO_TEST_STORE=postgres, see storetest).
func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }
