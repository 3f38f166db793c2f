package e2e

import (
	"os"
	"testing"

	"github.com/buergerbuero/buergerbuero/appliance/documents/clamdtest"
	"github.com/buergerbuero/buergerbuero/appliance/ldapauth/ldaptest"
	"github.com/buergerbuero/buergerbuero/appliance/store/pgtest"
)

// TestMain stops the package's clamd, slapd and PostgreSQL (started by the first test
// that needs them) when the tests are done.
func TestMain(m *testing.M) {
	code := m.Run()
	clamdtest.Stop()
	ldaptest.Stop()
	pgtest.Stop()
	os.Exit(code)
}
