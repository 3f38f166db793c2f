package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/admin"
	"github.com/buergerbuero/buergerbuero/appliance/reception"
)

// TestAdminTablesKeepSettingsTextsAndServicesWithTheirAudit: the web
// administration's changes survive reopening, an empty setting is removed,
// and each change wrote its audit entry (actor, action, office, field names).
func TestAdminTablesKeepSettingsTextsAndServicesWithTheirAudit(t *testing.T) {
	forEachDialect(t, testAdminTables)
}

func testAdminTables(t *testing.T, open opener) {
	ctx := context.Background()
	db := open()
	var err error
	at := time.Date(2026, 11, 29, 23, 0, 0, 0, time.UTC)
	ch := func(action, office, detail string) admin.Change {
		return admin.Change{At: at, Actor: "root", Action: action, OfficeID: office, Detail: detail}
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(db.SaveSettings(ctx, map[string]string{"site.state": "BY", "branding.primary": "#767676"}, ch("admin.site.update", "", "state,primary")))
	must(db.SaveSettings(ctx, map[string]string{"branding.primary": ""}, ch("admin.site.update", "", "primary")))
	must(db.SaveOffice(ctx, reception.Office{ID: "kfz", Name: "Zulassungsstelle", Prefix: "Z", Chairs: 2, Position: 3}, ch("admin.office.create", "kfz", "name")))
	must(db.SaveOfficeTexts(ctx, "kfz", admin.Texts{Notice: "Heute nur bis 12 Uhr"}, ch("admin.texts.update", "kfz", "notice")))
	must(db.SaveOfficeServices(ctx, "kfz", []admin.ServiceDef{{ID: "zulassung", Name: "Zulassen", Duration: 20 * time.Minute, Mode: "both"}}, ch("admin.services.update", "kfz", "services:zulassung")))
	must(db.Close())

	db = open()
	defer db.Close()
	set, err := db.Settings(ctx)
	must(err)
	if len(set) != 1 || set["site.state"] != "BY" {
		t.Errorf("settings %v, want only site.state BY", set)
	}
	texts, err := db.OfficeTexts(ctx)
	must(err)
	if texts["kfz"].Notice != "Heute nur bis 12 Uhr" {
		t.Errorf("texts %+v", texts)
	}
	svcs, err := db.OfficeServices(ctx)
	must(err)
	if len(svcs["kfz"]) != 1 || svcs["kfz"][0].Duration != 20*time.Minute {
		t.Errorf("services %+v", svcs)
	}
	offices, err := db.Offices(ctx)
	must(err)
	if len(offices) != 1 || offices[0].Name != "Zulassungsstelle" || offices[0].Position != 3 {
		t.Errorf("offices %+v", offices)
	}
}
