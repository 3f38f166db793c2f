package admin

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/config"
	"github.com/buergerbuero/buergerbuero/appliance/problem"
	"github.com/buergerbuero/buergerbuero/appliance/reception"
)

// memStore is the administration's store in memory.
type memStore struct {
	settings map[string]string
	texts    map[string]Texts
	offices  []reception.Office
	audit    []Change
}

func (m *memStore) Settings(context.Context) (map[string]string, error) { return m.settings, nil }
func (m *memStore) SaveSettings(_ context.Context, set map[string]string, c Change) error {
	for k, v := range set {
		m.settings[k] = v
	}
	m.audit = append(m.audit, c)
	return nil
}
func (m *memStore) OfficeTexts(context.Context) (map[string]Texts, error) { return m.texts, nil }
func (m *memStore) SaveOfficeTexts(_ context.Context, id string, t Texts, c Change) error {
	m.texts[id] = t
	m.audit = append(m.audit, c)
	return nil
}
func (m *memStore) Offices(context.Context) ([]reception.Office, error) { return m.offices, nil }
func (m *memStore) SaveOffice(_ context.Context, o reception.Office, c Change) error {
	i := slices.IndexFunc(m.offices, func(x reception.Office) bool { return x.ID == o.ID })
	if i < 0 {
		m.offices = append(m.offices, o)
	} else {
		m.offices[i] = o
	}
	m.audit = append(m.audit, c)
	return nil
}

func (m *memStore) OfficeServices(context.Context) (map[string][]ServiceDef, error) {
	return map[string][]ServiceDef{}, nil
}

func TestSaveServicesChecksEachRowAndRebuildsTheBook(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.svc.SaveOffice(ctx, "root", validOffice(), true); err != nil {
		t.Fatal(err)
	}
	books := f.books
	rows := []ServiceInput{
		{ID: "zulassung", Name: "Fahrzeug zulassen", Duration: "7m"},
		{ID: "Ab Meldung", Name: "Abmelden", Duration: "15m"},
		{ID: "zulassung", Name: "Doppelt", Duration: "15m"},
		{ID: "halter", Name: "Halter ändern", Duration: "15m", Mode: "sometimes"},
		{}, // an empty row is left out
	}
	got := problems(t, f.svc.SaveServices(ctx, "root", "kfz", rows))
	if want := []string{"svc_duration_0:service_duration", "svc_id_1:service_id", "svc_id_2:service_id", "svc_mode_3:service_mode"}; !slices.Equal(got, want) {
		t.Errorf("problems %v, want %v", got, want)
	}
	rows = []ServiceInput{{ID: "zulassung", Name: "Fahrzeug zulassen", Duration: "20m", Languages: "de", WhatToBring: "Fahrzeugbrief"}, {}}
	if err := f.svc.SaveServices(ctx, "root", "kfz", rows); err != nil {
		t.Fatal(err)
	}
	list := f.svc.Services("kfz")
	if len(list) != 1 || list[0].Duration != 20*time.Minute || list[0].Mode != "both" || ServiceInputOf(list[0]).Duration != "20m" {
		t.Errorf("services %+v", list)
	}
	if f.books != books+1 {
		t.Errorf("appointment book rebuilt %d times, want once", f.books-books)
	}
	if c := f.store.audit[len(f.store.audit)-1]; c.Action != "admin.services.update" || c.Detail != "services:zulassung" {
		t.Errorf("audit %+v", c)
	}
	if _, ok := problem.As(f.svc.SaveServices(ctx, "root", "buergerbuero", rows)); !ok {
		t.Error("the file office's services were changed")
	}
}
func (m *memStore) SaveOfficeServices(_ context.Context, id string, list []ServiceDef, c Change) error {
	m.audit = append(m.audit, c)
	return nil
}

type fixture struct {
	svc      *Service
	store    *memStore
	reloads  int
	books    int
	siteSeen []string
}

func newFixture(t *testing.T, fileKeys ...string) *fixture {
	t.Helper()
	cfg := config.Defaults()
	cfg.Site.State = "HE"
	cfg.Offices = []config.Office{{ID: "buergerbuero", Name: "Bürgerbüro", Prefix: "B", Chairs: 1}}
	cfg.MarkSetInFile(fileKeys...)
	f := &fixture{store: &memStore{settings: map[string]string{}, texts: map[string]Texts{},
		offices: []reception.Office{{ID: "buergerbuero", Name: "Bürgerbüro", Prefix: "B", Chairs: 1}}}}
	f.svc = New(f.store, cfg, Hooks{
		OfficesChanged: func(context.Context) error { f.reloads++; return nil },
		BookChanged:    func(context.Context) error { f.books++; return nil },
		SiteChanged: func(_ context.Context, state string, _ reception.Retention) error {
			f.siteSeen = append(f.siteSeen, state)
			return nil
		},
	})
	if err := f.svc.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	return f
}

// problems lists "field:reason" of an Invalid.
func problems(t *testing.T, err error) []string {
	t.Helper()
	bad, ok := AsInvalid(err)
	if !ok {
		t.Fatalf("error %v is not a list of field problems", err)
	}
	var out []string
	for _, p := range bad {
		out = append(out, p.Field+":"+p.Reason)
	}
	return out
}

func validOffice() OfficeInput {
	return OfficeInput{ID: "kfz", Name: "Zulassungsstelle", Prefix: "Z", Languages: "de, en", Chairs: "2",
		Hours: map[string]string{"mon": "08:00-12:00, 13:00-16:00"}, Exceptions: "2026-12-24 closed\n2026-12-31 08:00-12:00"}
}

func TestSaveOfficeReportsEachFieldWithTheFileRules(t *testing.T) {
	f := newFixture(t)
	in := validOffice()
	in.Prefix, in.Chairs, in.Languages = "zz1", "0", "deutsch"
	in.Hours = map[string]string{"mon": "08:00-12:00, 11:00-14:00", "tue": "25:00-26:00", "wed": "08:00-12:00"}
	in.Exceptions = "2026-12-24 closed\n2026-02-30 closed\n2026-12-31 08:00-12:00, 09:00-10:00"
	_, err := f.svc.SaveOffice(context.Background(), "root", in, true)
	got := problems(t, err)
	want := []string{"prefix:prefix", "languages:languages", "chairs:chairs", "hours_mon:hours_overlap", "hours_tue:hours", "exceptions:exceptions", "exceptions:hours_overlap"}
	if !slices.Equal(got, want) {
		t.Errorf("problems %v, want %v", got, want)
	}
	if bad, _ := AsInvalid(err); bad.Field("exceptions").Args["Line"] != 2 {
		t.Errorf("exception problem names line %v, want 2", bad.Field("exceptions").Args["Line"])
	}
	if len(f.store.audit) != 0 || f.reloads != 0 {
		t.Errorf("a refused office was audited (%d) or applied (%d)", len(f.store.audit), f.reloads)
	}
}

func TestSaveOfficeCreatesAppliesAndAudits(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	o, err := f.svc.SaveOffice(ctx, "root", validOffice(), true)
	if err != nil {
		t.Fatal(err)
	}
	if o.Position != 1 || len(o.Exceptions["2026-12-24"]) != 0 || o.Exceptions["2026-12-24"] == nil || o.Hours["mon"][1] != "13:00-16:00" {
		t.Errorf("saved office %+v", o)
	}
	if f.reloads != 1 {
		t.Errorf("offices reloaded %d times, want 1", f.reloads)
	}
	if c := f.store.audit[0]; c.Actor != "root" || c.Action != "admin.office.create" || c.OfficeID != "kfz" || c.Detail != "name,prefix,languages,chairs,hours,exceptions" {
		t.Errorf("audit %+v", c)
	}
	if _, err := f.svc.SaveOffice(ctx, "root", validOffice(), true); !slices.Equal(problems(t, err), []string{"id:id_taken"}) {
		t.Errorf("second office with the same id: %v", err)
	}
	// an unchanged form is no change
	if _, err := f.svc.SaveOffice(ctx, "root", InputOf(o), false); err != nil || len(f.store.audit) != 1 {
		t.Errorf("unchanged office: err %v, %d audit entries", err, len(f.store.audit))
	}
	in := InputOf(o)
	in.Name = "Kfz-Zulassung"
	if _, err := f.svc.SaveOffice(ctx, "root", in, false); err != nil || f.store.audit[1].Detail != "name" {
		t.Errorf("rename: err %v, audit %+v", err, f.store.audit)
	}
}

func TestSaveOfficeRefusesTheFileOffices(t *testing.T) {
	f := newFixture(t)
	in := InputOf(f.store.offices[0])
	in.Name = "Anders"
	_, err := f.svc.SaveOffice(context.Background(), "root", in, false)
	if p, ok := problem.As(err); !ok || p.Code != "admin_file_set" || p.Kind != problem.KindConflict {
		t.Errorf("changing a file office: %v, want admin_file_set (conflict)", err)
	}
	// its waiting-room texts are the web's
	if err := f.svc.SaveTexts(context.Background(), "root", "buergerbuero", Texts{Notice: " Heute nur bis 12 Uhr\x00 "}); err != nil {
		t.Fatal(err)
	}
	if got := f.svc.Texts("buergerbuero").Notice; got != "Heute nur bis 12 Uhr" {
		t.Errorf("notice %q, want it cleaned", got)
	}
	long := strings.Repeat("x", MaxNotice+1)
	if got := problems(t, f.svc.SaveTexts(context.Background(), "root", "buergerbuero", Texts{Notice: long})); !slices.Equal(got, []string{"notice:too_long"}) {
		t.Errorf("long notice: %v", got)
	}
}

func TestSaveSiteValidatesAndKeepsTheFileAuthoritative(t *testing.T) {
	f := newFixture(t, "site.name")
	ctx := context.Background()
	p := func(s string) *string { return &s }
	err := f.svc.SaveSite(ctx, "root", SiteInput{State: p("XX"), FrameAncestors: p("https://www.musterland.de\nhttps://x.de/pfad"),
		Primary: p("#777777"), Background: p("#ffffff"), Text: p("#1a1a1a"), RetentionPersonal: p("0s")})
	want := []string{"state:state", "frame_ancestors:origin", "retention_personal:duration", "primary:contrast"}
	if got := problems(t, err); !slices.Equal(got, want) {
		t.Errorf("problems %v, want %v", got, want)
	}
	if a := func() map[string]any { bad, _ := AsInvalid(err); return bad.Field("primary").Args }(); a["Whole"] != 4 || a["Decimals"] != "47" {
		t.Errorf("contrast ratio %v, want 4 and 47", a)
	}
	if got := problems(t, f.svc.SaveSite(ctx, "root", SiteInput{Text: p("#cccccc")})); !slices.Equal(got, []string{"text:contrast"}) {
		t.Errorf("light text on white: %v", got)
	}
	if got := problems(t, f.svc.SaveSite(ctx, "root", SiteInput{Name: p("Anderer Kreis")})); !slices.Equal(got, []string{"name:"}) {
		t.Errorf("file-set name: %v", got)
	}
	// the file's value sent back unchanged is no change
	if err := f.svc.SaveSite(ctx, "root", SiteInput{Name: p("Virtuelles Bürgerbüro")}); err != nil || len(f.store.audit) != 0 {
		t.Errorf("unchanged file field: %v, %d audit entries", err, len(f.store.audit))
	}
	if err := f.svc.SaveSite(ctx, "root", SiteInput{State: p("by"), Primary: p("#767676"), FrameAncestors: p(" https://www.musterland.de ")}); err != nil {
		t.Fatal(err)
	}
	site := f.svc.Site()
	if site.State != "BY" || site.Branding.Primary != "#767676" || site.Branding.OnPrimary != "#ffffff" || !slices.Equal(site.FrameAncestors, []string{"https://www.musterland.de"}) {
		t.Errorf("site %+v", site)
	}
	if got := f.siteSeen[len(f.siteSeen)-1]; got != "BY" {
		t.Errorf("reception told Bundesland %q, want BY", got)
	}
	if c := f.store.audit[0]; c.Action != "admin.site.update" || c.Detail != "state,frame_ancestors,primary" {
		t.Errorf("audit %+v", c)
	}
}

func TestSetLogoSniffsTheType(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var buf bytes.Buffer
	png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 4, 4)))
	if err := f.svc.SetLogo(ctx, "root", buf.Bytes()); err != nil {
		t.Fatal(err)
	}
	if b, typ := f.svc.Logo(); !bytes.Equal(b, buf.Bytes()) || typ != "image/png" {
		t.Errorf("logo %d bytes of %s", len(b), typ)
	}
	svg := []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)
	if got := problems(t, f.svc.SetLogo(ctx, "root", svg)); !slices.Equal(got, []string{"logo:logo_type"}) {
		t.Errorf("SVG logo: %v", got)
	}
	big := append(buf.Bytes(), make([]byte, MaxLogo)...)
	if got := problems(t, f.svc.SetLogo(ctx, "root", big)); !slices.Equal(got, []string{"logo:logo_size"}) {
		t.Errorf("large logo: %v", got)
	}
	if err := f.svc.SetLogo(ctx, "root", nil); err != nil {
		t.Fatal(err)
	}
	if b, _ := f.svc.Logo(); b != nil {
		t.Error("logo still there after removing it")
	}
}
