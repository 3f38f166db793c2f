package e2e

import (
	"os"
	"testing"

	"github.com/buergerbuero/buergerbuero/appliance/documents/clamdtest"
	"github.com/buergerbuero/buergerbuero/appliance/ldapauth/ldaptest"
)

// TestMain stops the package's clamd and slapd (started by the first test
// that needs them) when the tests are done.
func TestMain(m *testing.M) {
	code := m.Run()
	clamdtest.Stop()
	ldaptest.Stop()
	os.Exit(code)
}
