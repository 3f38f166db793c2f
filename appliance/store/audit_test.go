package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/audit"
	"github.com/buergerbuero/buergerbuero/appliance/staff"
)

// TestAuditEntriesFilter: the viewer's filters select by time (From
// inclusive, To exclusive), actor, action prefix (an '_' in it is a
// character, not a wildcard), office and a lead's offices, newest first,
// paged.
func TestAuditEntriesFilter(t *testing.T) { forEachDialect(t, testAuditEntriesFilter) }

func testAuditEntriesFilter(t *testing.T, open opener) {
	ctx := context.Background()
	db := open()
	day := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	for i, e := range []audit.Entry{
		{Actor: "dora", Action: "admin.clerk.create", Detail: "login=emil"},
		{Actor: "dora", Action: "admin.clerk.disable", Detail: "login=anna"},
		{Actor: "carla", Action: "admin_clerkXcreate"},
		{Actor: "anna", Action: "admit", OfficeID: "bauamt", TicketID: "t1"},
		{Actor: "dora", Action: "admin.office.update", OfficeID: "bauamt"},
	} {
		e.At = day.Add(time.Duration(i) * time.Hour)
		if err := db.Record(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	actions := func(f audit.Filter) []string {
		t.Helper()
		list, err := db.Entries(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range list {
			out = append(out, e.Action)
		}
		return out
	}
	for _, c := range []struct {
		name string
		f    audit.Filter
		want []string
	}{
		{"newest first", audit.Filter{Actor: "dora"}, []string{"admin.office.update", "admin.clerk.disable", "admin.clerk.create"}},
		{"prefix", audit.Filter{ActionPrefix: "admin.clerk."}, []string{"admin.clerk.disable", "admin.clerk.create"}},
		{"prefix with _", audit.Filter{ActionPrefix: "admin_"}, []string{"admin_clerkXcreate"}},
		{"office", audit.Filter{Office: "bauamt"}, []string{"admin.office.update", "admit"}},
		{"time", audit.Filter{From: day.Add(time.Hour), To: day.Add(3 * time.Hour)}, []string{"admin_clerkXcreate", "admin.clerk.disable"}},
		{"page 2", audit.Filter{Offset: 2, Limit: 2}, []string{"admin_clerkXcreate", "admin.clerk.disable"}},
		{"a lead's offices", audit.Filter{Offices: []string{"bauamt", "bauamt2"}}, []string{"admin.office.update", "admit"}},
		{"a lead without offices", audit.Filter{Offices: []string{}}, nil},
	} {
		if got := actions(c.f); strings.Join(got, " ") != strings.Join(c.want, " ") {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// TestDisabledClerk: a disabled clerk is listed so, cannot sign in and
// loses its sessions; enabled again it can.
func TestDisabledClerk(t *testing.T) { forEachDialect(t, testDisabledClerk) }

func testDisabledClerk(t *testing.T, open opener) {
	ctx := context.Background()
	db := open()
	svc := staff.NewService(db, staff.Policy{SessionLifetime: time.Hour})
	if err := svc.Save(ctx, staff.Clerk{Login: "anna", DisplayName: "Anna", Role: staff.RoleClerk, Offices: []string{"bauamt"}}, "anna-passwort-123", false); err != nil {
		t.Fatal(err)
	}
	sess, err := svc.Login(ctx, "anna", "anna-passwort-123", "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.SetDisabled(ctx, "anna", true); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Resolve(ctx, sess.Token); err == nil {
		t.Fatal("the session outlived disabling")
	}
	if _, err := svc.Login(ctx, "anna", "anna-passwort-123", "192.0.2.1"); err != staff.ErrDisabled {
		t.Fatalf("sign-in while disabled: %v", err)
	}
	acc, err := svc.Account(ctx, "anna")
	if err != nil || !acc.Disabled || !acc.Local || len(acc.Offices) != 1 {
		t.Fatalf("listed as %+v, %v", acc, err)
	}
	if err := svc.SetDisabled(ctx, "anna", false); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Login(ctx, "anna", "anna-passwort-123", "192.0.2.1"); err != nil {
		t.Fatalf("sign-in after enabling: %v", err)
	}
	if err := svc.Remove(ctx, "anna"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Account(ctx, "anna"); err != staff.ErrNoClerk {
		t.Fatalf("after removal: %v", err)
	}
}
