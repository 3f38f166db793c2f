package e2e

import (
	"context"
	"testing"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
	"github.com/buergerbuero/buergerbuero/appliance/staff"
)

// The fixture has no administrator; the administration tests add one.
const (
	doraLogin    = "dora"
	doraPassword = "dora-passwort-1234"
)

// withAdmin adds the administrator dora (a local account, every office).
func withAdmin(t *testing.T, srv *apptest.Server) {
	t.Helper()
	c := staff.Clerk{Login: doraLogin, DisplayName: "Dora Admin", Role: staff.RoleAdmin, Offices: srv.Offices}
	if err := srv.App.Staff.Save(context.Background(), c, doraPassword, false); err != nil {
		t.Fatal(err)
	}
}

// adminClient is the administrator signed in through the API.
func adminClient(t *testing.T, srv *apptest.Server) *apiClient {
	t.Helper()
	c := newClient(t, srv)
	c.login(doraLogin, doraPassword)
	return c
}
