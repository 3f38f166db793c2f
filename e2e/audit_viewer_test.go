package e2e

import (
	"context"
	"fmt"
	"html"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
	"github.com/buergerbuero/buergerbuero/appliance/audit"
)

// TestAuditViewerPagesAndDates: the viewer pages by 50, newest first,
// keeping the filter in its links; a wrong date is said at its field.
func TestAuditViewerPagesAndDates(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true})
	withAdmin(t, srv)
	admin := adminClient(t, srv)
	ctx := context.Background()
	base := time.Now().Add(-time.Hour)
	for i := range 60 {
		if err := srv.App.DB.Record(ctx, audit.Entry{At: base.Add(time.Duration(i) * time.Second), Actor: "dora", Action: "test.page", Detail: fmt.Sprintf("n=%02d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	rows := regexp.MustCompile(`<td dir="ltr">n=(\d+)</td>`)
	st, body := admin.page("GET", "/staff/admin/audit?action=test.", nil)
	first := rows.FindAllStringSubmatch(body, -1)
	if st != 200 || len(first) != 50 || first[0][1] != "59" || first[49][1] != "10" {
		t.Fatalf("first page: %d, %d rows", st, len(first))
	}
	next := regexp.MustCompile(`id="audit-next" href="([^"]+)"`).FindStringSubmatch(body)
	if next == nil || strings.Contains(body, `id="audit-prev"`) {
		t.Fatal("first page: no link to the next page, or one to a previous")
	}
	st, body = admin.page("GET", html.UnescapeString(next[1]), nil)
	second := rows.FindAllStringSubmatch(body, -1)
	if st != 200 || len(second) != 10 || second[0][1] != "09" || !strings.Contains(body, `id="audit-prev"`) || strings.Contains(body, `id="audit-next"`) {
		t.Fatalf("second page (%s): %d, %d rows", next[1], st, len(second))
	}
	st, body = admin.page("GET", "/staff/admin/audit?from=2026-13-01", nil)
	if st != 422 || !strings.Contains(body, `id="from-error"`) || !strings.Contains(body, `id="error-summary"`) {
		t.Fatalf("a wrong date: %d", st)
	}
}

// TestAuditLeadSeesOwnOffices: an office lead reads the audit entries of
// their offices only (page, CSV and API), not those of other offices nor
// the administration's; the page offers only their offices.
func TestAuditLeadSeesOwnOffices(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true})
	withAdmin(t, srv)
	admin := adminClient(t, srv)
	if st := admin.do("PUT", "/api/v1/staff/admin/clerks/carla", map[string]any{"display_name": "Carla Weber", "role": "lead", "offices": []string{"bauamt"}}, nil); st != 200 {
		t.Fatalf("carla lead of bauamt: %d", st)
	}
	ctx := context.Background()
	for _, e := range []audit.Entry{
		{Actor: "anna", Action: "lead.test", OfficeID: "bauamt", Detail: "mine"},
		{Actor: "anna", Action: "lead.test", OfficeID: "buergerbuero", Detail: "other"},
		{Actor: "dora", Action: "lead.test", Detail: "none"},
	} {
		if err := srv.App.DB.Record(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	carla := staffAs(t, srv, "carla")
	var log struct {
		Entries []struct{ Detail string }
	}
	if st := carla.do("GET", "/api/v1/staff/admin/audit?action=lead.", nil, &log); st != 200 || len(log.Entries) != 1 || log.Entries[0].Detail != "mine" {
		t.Fatalf("lead via the API: %d %+v", st, log)
	}
	st, body := carla.page("GET", "/staff/admin/audit?action=lead.", nil)
	if st != 200 || !strings.Contains(body, ">mine<") || strings.Contains(body, ">other<") || strings.Contains(body, ">none<") {
		t.Fatalf("lead's page: %d", st)
	}
	if strings.Contains(body, `<option value="buergerbuero"`) || !strings.Contains(body, `<option value="bauamt"`) {
		t.Error("the office filter offers a lead other offices")
	}
	if st, body = carla.page("GET", "/staff/admin/audit?action=lead.&office=buergerbuero", nil); st != 200 || strings.Contains(body, ">other<") {
		t.Fatalf("lead asking for another office: %d", st)
	}
	st, body = carla.page("GET", "/staff/admin/audit.csv?action=lead.", nil)
	if st != 200 || !strings.Contains(body, "mine") || strings.Contains(body, "other") || strings.Contains(body, "none") {
		t.Fatalf("lead's CSV: %d %q", st, body)
	}
	if st := admin.do("GET", "/api/v1/staff/admin/audit?action=lead.", nil, &log); st != 200 || len(log.Entries) != 3 {
		t.Fatalf("admin: %d %+v", st, log)
	}
}
