package e2e

import (
	"testing"

	"github.com/buergerbuero/buergerbuero/appliance/documents/clamdtest"
)

// TestMain stops the package's clamd (started by the first test that
// scans documents) when the tests are done.
func TestMain(m *testing.M) { clamdtest.Main(m) }
