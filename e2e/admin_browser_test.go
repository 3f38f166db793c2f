package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	pngenc "image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
	"github.com/buergerbuero/buergerbuero/appliance/config"
	"github.com/buergerbuero/buergerbuero/appliance/i18n"
	"github.com/buergerbuero/buergerbuero/appliance/staff"
)

const adminLogin, adminPassword = "root", "root-passwort-1234"

// startAdmin starts an appliance whose configuration file sets the site
// name (so the web shows it read-only) and leaves the Bundesland, the
// embedding origins and the retention to the web; it has an admin.
func startAdmin(t *testing.T) *apptest.Server {
	t.Helper()
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true, Configure: func(c *config.Config) { c.MarkSetInFile("site.name") }})
	if err := srv.App.Staff.Save(context.Background(), staff.Clerk{Login: adminLogin, DisplayName: "Root", Role: staff.RoleAdmin}, adminPassword, false); err != nil {
		t.Fatal(err)
	}
	return srv
}

// TestAdminBrowserOfficesTextsAndSite: in a real browser an admin creates
// an office with hours and a dated closed day, which the public office list
// and API show at once (closed today, the exception's date), and a service
// the booking API offers at once; overlapping
// hours, a service's duration, an unknown Bundesland and colours below AA
// contrast are refused
// with the problem next to each field; a waiting-room notice the admin
// types appears on a citizen's waiting page. Every change, and nothing
// refused, is in the audit table. The pages have no axe-core violations
// in German and English, the waiting page with the texts none in German and
// Arabic.
func TestAdminBrowserOfficesTextsAndSite(t *testing.T) {
	src := axeScript(t)
	srv := startAdmin(t)
	b := newSharedBrowser(t, srv.CertPEM)()
	setLangCookie(t, b, srv.URL, "de")
	step(t, b, "sign in", chromedp.Navigate(srv.URL+"/staff/login"), chromedp.WaitVisible("#login", chromedp.ByID),
		chromedp.SendKeys("#login", adminLogin, chromedp.ByID), chromedp.SendKeys("#password", adminPassword, chromedp.ByID),
		chromedp.Submit("#password", chromedp.ByID), chromedp.WaitVisible("#admin-link", chromedp.ByID))
	axe := func(what, path, ready string) {
		for _, lang := range []string{"de", "en"} {
			setLangCookie(t, b, srv.URL, lang)
			step(t, b, what+" in "+lang, chromedp.Navigate(srv.URL+path), chromedp.WaitVisible(ready, chromedp.ByQuery))
			for _, x := range runAxe(t, b, src) {
				t.Errorf("%s %s: axe %s (%s): %s %v", what, lang, x.ID, x.Impact, x.Help, x.Nodes)
			}
		}
		setLangCookie(t, b, srv.URL, "de")
	}
	axe("offices", "/staff/admin", "#admin-offices")
	axe("new office", "/staff/admin/offices/new", "#office-form")
	axe("file office", "/staff/admin/offices/buergerbuero", "#texts-form")
	axe("site", "/staff/admin/site", "#site-form")

	// a new office: first with overlapping hours, refused next to the field
	today := time.Now().In(berlinLoc).Format(time.DateOnly)
	step(t, b, "new office form", chromedp.Navigate(srv.URL+"/staff/admin"), chromedp.WaitVisible("#admin-new-office", chromedp.ByID),
		chromedp.Click("#admin-new-office", chromedp.ByID), chromedp.WaitVisible("#office-form", chromedp.ByID))
	fill := []chromedp.Action{chromedp.SetValue("#f-id", "kfz", chromedp.ByID), chromedp.SetValue("#f-name", "Zulassungsstelle", chromedp.ByID),
		chromedp.SetValue("#f-prefix", "Z", chromedp.ByID), chromedp.SetValue("#f-languages", "de, en", chromedp.ByID),
		chromedp.SetValue("#f-chairs", "2", chromedp.ByID), chromedp.SetValue("#f-exceptions", today+" closed", chromedp.ByID)}
	for _, d := range []string{"tue", "wed", "thu", "fri", "sat", "sun"} {
		fill = append(fill, chromedp.SetValue("#f-hours_"+d, "00:00-24:00", chromedp.ByID))
	}
	step(t, b, "overlapping hours", append(fill, chromedp.SetValue("#f-hours_mon", "08:00-12:00, 11:00-14:00", chromedp.ByID),
		chromedp.Click("#office-save", chromedp.ByID), chromedp.WaitVisible("#f-hours_mon-error", chromedp.ByID))...)
	fieldError(t, b, "f-hours_mon", "überschneiden")
	step(t, b, "valid office", append(fill, chromedp.SetValue("#f-hours_mon", "00:00-24:00", chromedp.ByID),
		chromedp.Click("#office-save", chromedp.ByID), chromedp.WaitVisible("#admin-saved", chromedp.ByID))...)

	// the public list and API show it at once, closed on its exception
	var list string
	step(t, b, "public list", chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(`[data-office="kfz"]`, chromedp.ByQuery),
		chromedp.Text(`[data-office="kfz"]`, &list, chromedp.ByQuery))
	if !strings.Contains(list, "Zulassungsstelle") || !strings.Contains(list, "Geschlossen") {
		t.Errorf("public list shows the new office as %q, want its name and closed (exception %s)", list, today)
	}
	var office struct {
		Name string `json:"name"`
		Open bool   `json:"open"`
	}
	if st := newClient(t, srv).do("GET", "/api/v1/offices/kfz", nil, &office); st != 200 || office.Name != "Zulassungsstelle" || office.Open {
		t.Errorf("GET /api/v1/offices/kfz: %d %+v, want the office, closed today", st, office)
	}

	// a service for the new office: the book offers it at once
	step(t, b, "service with a bad duration", chromedp.Navigate(srv.URL+"/staff/admin/offices/kfz"), chromedp.WaitVisible("#services-form", chromedp.ByID),
		chromedp.SetValue("#f-svc_id_0", "zulassung", chromedp.ByID), chromedp.SetValue("#f-svc_name_0", "Fahrzeug zulassen", chromedp.ByID),
		chromedp.SetValue("#f-svc_duration_0", "7m", chromedp.ByID), chromedp.Click("#services-save", chromedp.ByID),
		chromedp.WaitVisible("#f-svc_duration_0-error", chromedp.ByID))
	fieldError(t, b, "f-svc_duration_0", "5 Minuten")
	step(t, b, "service", chromedp.SetValue("#f-svc_duration_0", "20m", chromedp.ByID), chromedp.Click("#services-save", chromedp.ByID),
		chromedp.WaitVisible("#admin-saved", chromedp.ByID), chromedp.WaitVisible("#f-svc_id_1", chromedp.ByID))
	var services struct {
		Services []struct {
			ID              string `json:"id"`
			DurationMinutes int    `json:"duration_minutes"`
		} `json:"services"`
	}
	if st := newClient(t, srv).do("GET", "/api/v1/offices/kfz/services", nil, &services); st != 200 || len(services.Services) != 1 ||
		services.Services[0].ID != "zulassung" || services.Services[0].DurationMinutes != 20 {
		t.Errorf("GET /api/v1/offices/kfz/services: %d %+v, want the new service of 20 minutes", st, services)
	}

	axe("web office", "/staff/admin/offices/kfz", "#f-svc_id_1")

	// the site: an unknown Bundesland and a colour below AA, each next to
	// its field; the file's site name is read-only
	step(t, b, "site form", chromedp.Navigate(srv.URL+"/staff/admin/site"), chromedp.WaitVisible("#site-form", chromedp.ByID))
	var readonly bool
	step(t, b, "file field", chromedp.WaitVisible("#f-name-file", chromedp.ByID),
		chromedp.Evaluate(`document.getElementById('f-name').readOnly`, &readonly))
	if !readonly {
		t.Error("the site name set in the configuration file is editable")
	}
	step(t, b, "invalid site", chromedp.SetValue("#f-state", "XX", chromedp.ByID), chromedp.SetValue("#f-primary", "#777777", chromedp.ByID),
		chromedp.SetValue("#f-background", "#ffffff", chromedp.ByID), chromedp.Click("#site-save", chromedp.ByID),
		chromedp.WaitVisible("#f-state-error", chromedp.ByID), chromedp.WaitVisible("#f-primary-error", chromedp.ByID))
	for _, x := range runAxe(t, b, src) {
		t.Errorf("site with errors: axe %s (%s): %s %v", x.ID, x.Impact, x.Help, x.Nodes)
	}
	fieldError(t, b, "f-state", "Bundesland")
	fieldError(t, b, "f-primary", "4,47:1")
	var summary int
	step(t, b, "error summary", chromedp.Evaluate(`document.querySelectorAll('#error-summary a[href="#f-state"], #error-summary a[href="#f-primary"]').length`, &summary))
	if summary != 2 {
		t.Errorf("error summary links to %d of the 2 fields", summary)
	}
	step(t, b, "valid site", chromedp.SetValue("#f-state", "BY", chromedp.ByID), chromedp.SetValue("#f-primary", "#767676", chromedp.ByID),
		chromedp.Click("#site-save", chromedp.ByID), chromedp.WaitVisible("#admin-saved", chromedp.ByID))
	var branded int
	step(t, b, "branding", chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible("#offices", chromedp.ByID),
		chromedp.Evaluate(`document.querySelectorAll('link[href="/branding.css"]').length`, &branded))
	if branded != 1 {
		t.Error("the public page does not load the branding stylesheet after colours were saved")
	}

	// a waiting-room notice on an office from the file: a citizen sees it
	step(t, b, "texts", chromedp.Navigate(srv.URL+"/staff/admin/offices/buergerbuero"), chromedp.WaitVisible("#texts-form", chromedp.ByID),
		chromedp.SetValue("#f-notice", "Heute nur bis 12 Uhr", chromedp.ByID), chromedp.SetValue("#f-greeting", "Willkommen <b>im</b> Bürgerbüro", chromedp.ByID),
		chromedp.Click("#texts-save", chromedp.ByID), chromedp.WaitVisible("#admin-saved", chromedp.ByID))
	k := newClient(t, srv).knock("buergerbuero", "Personalausweis verlängern")
	citizen := newSharedBrowser(t, srv.CertPEM)()
	setLangCookie(t, citizen, srv.URL, "de")
	var notice, greeting string
	step(t, citizen, "waiting page", chromedp.Navigate(srv.URL+"/wait/"+k.ID), chromedp.WaitVisible("#office-notice", chromedp.ByID),
		chromedp.Text("#office-notice", &notice, chromedp.ByID), chromedp.Text("#office-greeting", &greeting, chromedp.ByID))
	if notice != "Heute nur bis 12 Uhr" || greeting != "Willkommen <b>im</b> Bürgerbüro" {
		t.Errorf("waiting page shows notice %q and greeting %q, want them as typed (escaped)", notice, greeting)
	}
	for _, lang := range []string{"de", "ar"} {
		setLangCookie(t, citizen, srv.URL, lang)
		step(t, citizen, "waiting page in "+lang, chromedp.Reload(), chromedp.WaitVisible("#office-notice", chromedp.ByID))
		for _, x := range runAxe(t, citizen, src) {
			t.Errorf("waiting page with texts %s: axe %s (%s): %s %v", lang, x.ID, x.Impact, x.Help, x.Nodes)
		}
	}

	// the audit log: each change with its actor, office and field names;
	// the refused forms left nothing
	rows, err := openDB(t, srv).Query(`SELECT actor, action, office_id, detail FROM audit WHERE action LIKE 'admin.%' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var actor, action, office, detail string
		if err := rows.Scan(&actor, &action, &office, &detail); err != nil {
			t.Fatal(err)
		}
		got = append(got, strings.Join([]string{actor, action, office, detail}, " "))
	}
	want := []string{
		"root admin.office.create kfz name,prefix,languages,chairs,hours,exceptions",
		"root admin.services.update kfz services:zulassung",
		"root admin.site.update  state,primary,background",
		"root admin.texts.update buergerbuero greeting,notice",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit entries:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestAdminRefusesFileSetFieldsAndOtherRoles: the server itself refuses
// a change to what the configuration file sets (409, admin_file_set) and
// any administration page to a clerk who is not an admin (403).
func TestAdminRefusesFileSetFieldsAndOtherRoles(t *testing.T) {
	srv := startAdmin(t)
	c := newClient(t, srv)
	c.login(adminLogin, adminPassword)
	for _, tc := range []struct {
		path string
		form url.Values
	}{
		{"/staff/admin/site", url.Values{"name": {"Anderer Kreis"}}},
		{"/staff/admin/offices/buergerbuero", url.Values{"name": {"Anderes Amt"}, "prefix": {"B"}, "chairs": {"3"}}},
	} {
		st, body := adminPost(t, c, tc.path, tc.form)
		if st != http.StatusConflict || !strings.Contains(body, `data-code="admin_file_set"`) || !strings.Contains(body, "Konfigurationsdatei") {
			t.Errorf("POST %s: %d, want 409 with code admin_file_set and the file note", tc.path, st)
		}
	}
	if n := countAudit(t, srv); n != 0 {
		t.Errorf("%d audit entries for refused changes", n)
	}
	var office struct{ Name string }
	c.do("GET", "/api/v1/offices/buergerbuero", nil, &office)
	if office.Name != "Bürgerbüro" {
		t.Errorf("the file's office was renamed to %q", office.Name)
	}

	anna := newClient(t, srv)
	anna.login(srv.Clerks[0].Login, srv.Clerks[0].Password)
	if st, _ := adminPost(t, anna, "/staff/admin/site", url.Values{"state": {"BY"}}); st != http.StatusForbidden {
		t.Errorf("a clerk's POST /staff/admin/site: %d, want 403", st)
	}
	res, err := anna.http.Get(srv.URL + "/staff/admin")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("a clerk's GET /staff/admin: %d, want 403", res.StatusCode)
	}
	// without the CSRF token even the admin is refused
	c.csrf = ""
	if st, _ := adminPost(t, c, "/staff/admin/site", url.Values{"state": {"BY"}}); st != http.StatusForbidden {
		t.Errorf("POST without CSRF token: %d, want 403", st)
	}
}

// adminPost posts a form as the browser does, with the client's session
// and CSRF token; it returns the status and the page.
func adminPost(t *testing.T, c *apiClient, path string, form url.Values) (int, string) {
	t.Helper()
	if c.csrf != "" {
		form.Set("csrf_token", c.csrf)
	}
	req, _ := http.NewRequest("POST", c.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", c.base)
	req.Header.Set("Accept-Language", "de")
	res, err := c.http.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func countAudit(t *testing.T, srv *apptest.Server) int {
	t.Helper()
	var n int
	if err := openDB(t, srv).QueryRow(`SELECT COUNT(*) FROM audit WHERE action LIKE 'admin.%'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// fieldError checks that a field is marked invalid and described by its
// visible error, which says want.
func fieldError(t *testing.T, b context.Context, id, want string) {
	t.Helper()
	var res struct {
		Invalid string `json:"invalid"`
		Text    string `json:"text"`
	}
	var raw string
	step(t, b, "error of "+id, chromedp.Evaluate(`JSON.stringify((() => { const f = document.getElementById(`+jsString(id)+`);
		const ids = (f.getAttribute('aria-describedby') || '').split(' ');
		const e = document.getElementById(`+jsString(id+"-error")+`);
		return {invalid: f.getAttribute('aria-invalid'), text: e && ids.includes(e.id) ? e.textContent : ''}; })())`, &raw))
	json.Unmarshal([]byte(raw), &res)
	if res.Invalid != "true" || !strings.Contains(res.Text, want) {
		t.Errorf("%s: aria-invalid %q, described by error %q; want true and a message with %q", id, res.Invalid, res.Text, want)
	}
}

// TestAdminPagesHaveNoHardCodedText renders the administration's pages in
// the pseudo-locale: every text outside the office and site names (data)
// comes from the catalogue.
func TestAdminPagesHaveNoHardCodedText(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true, PseudoLocale: true})
	if err := srv.App.Staff.Save(context.Background(), staff.Clerk{Login: adminLogin, DisplayName: "Root", Role: staff.RoleAdmin}, adminPassword, false); err != nil {
		t.Fatal(err)
	}
	data := []string{srv.Config.Site.Name}
	for _, o := range srv.Config.Offices {
		data = append(data, o.Name, o.ID)
	}
	for _, tag := range i18n.Staff {
		data = append(data, i18n.SelfName(tag))
	}
	c := newClient(t, srv)
	c.login(adminLogin, adminPassword)
	for _, p := range []string{"/staff/admin", "/staff/admin/offices/new", "/staff/admin/offices/buergerbuero", "/staff/admin/site"} {
		res, body := fetchPage(t, c.http, srv.URL+p, nil)
		if res.StatusCode != 200 || !strings.Contains(body, `class="admin"`) {
			t.Fatalf("%s: %d %.300s", p, res.StatusCode, body)
		}
		for _, s := range hardCoded(body, data) {
			t.Errorf("%s shows text that is not from the catalogue: %q", p, s)
		}
	}
}

// TestAdminLogoAndKnockPageTexts: a PNG logo is stored and shown in every
// page's header from our own origin; an SVG is refused next to the field
// (422), as is one over 256 KiB; an office's waiting-room texts appear on its knock page, escaped.
func TestAdminLogoAndKnockPageTexts(t *testing.T) {
	srv := startAdmin(t)
	c := newClient(t, srv)
	c.login(adminLogin, adminPassword)
	var png bytes.Buffer
	if err := pngenc.Encode(&png, image.NewRGBA(image.Rect(0, 0, 8, 8))); err != nil {
		t.Fatal(err)
	}
	upload := func(name string, data []byte) (int, string) {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		mw.WriteField("csrf_token", c.csrf)
		fw, _ := mw.CreateFormFile("logo", name)
		fw.Write(data)
		mw.Close()
		req, _ := http.NewRequest("POST", srv.URL+"/staff/admin/logo", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Origin", srv.URL)
		req.Header.Set("Accept-Language", "de")
		res, err := c.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if st, body := upload("wappen.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)); st != http.StatusUnprocessableEntity ||
		!strings.Contains(body, `id="f-logo-error"`) || !strings.Contains(body, `aria-invalid="true"`) {
		t.Errorf("SVG logo: %d, want 422 with the error next to the field", st)
	}
	big := append(append([]byte{}, png.Bytes()...), make([]byte, 300<<10)...)
	if st, body := upload("gross.png", big); st != http.StatusUnprocessableEntity || !strings.Contains(body, "256 KiB") {
		t.Errorf("300 KiB logo: %d, want 422 saying the limit", st)
	}
	if st, _ := upload("wappen.png", png.Bytes()); st != http.StatusOK { // the redirect to the site page, followed
		t.Fatalf("PNG logo: %d", st)
	}
	res, err := srv.Client().Get(srv.URL + "/branding/logo")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.Header.Get("Content-Type") != "image/png" || !bytes.Equal(got, png.Bytes()) {
		t.Errorf("GET /branding/logo: %s, %d bytes", res.Header.Get("Content-Type"), len(got))
	}
	if st, _ := adminPost(t, c, "/staff/admin/offices/bauamt/texts", url.Values{"greeting": {"Grüß Gott <script>x</script>"}, "documents": {"Bauantrag\nLageplan"}}); st != http.StatusOK {
		t.Fatalf("texts: %d", st)
	}
	_, page := fetchPage(t, srv.Client(), srv.URL+"/offices/bauamt", nil)
	for _, want := range []string{`class="brand-logo"`, `<p id="office-greeting" dir="auto">Grüß Gott &lt;script&gt;x&lt;/script&gt;</p>`, `<p id="office-documents" dir="auto">Bauantrag` + "\n" + `Lageplan</p>`} {
		if !strings.Contains(page, want) {
			t.Errorf("knock page lacks %s", want)
		}
	}
	if n := countAudit(t, srv); n != 2 {
		t.Errorf("%d audit entries, want 2 (logo, texts)", n)
	}
}
