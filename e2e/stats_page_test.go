package e2e

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/xml"
	"html"
	"io"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/buergerbuero/buergerbuero/appliance/i18n"
	"github.com/buergerbuero/buergerbuero/appliance/staff"
	"github.com/buergerbuero/buergerbuero/appliance/stats"
)

// statsGet fetches a statistics address of the scripted day as login.
func statsGet(t *testing.T, c *apiClient, path, day string) (int, []byte) {
	t.Helper()
	q := url.Values{"from": {day}, "to": {day}}
	res, err := c.http.Get(c.base + path + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

var (
	officeTable = regexp.MustCompile(`(?s)<table class="stats-table" id="stats-offices">.*?<tbody>(.*?)</tbody>`)
	tableRow    = regexp.MustCompile(`(?s)<tr>(.*?)</tr>`)
	rowHead     = regexp.MustCompile(`<th scope="row">([^<]*)</th>`)
	dataCell    = regexp.MustCompile(`<td data-value="([^"]*)"[^>]*>([^<]*)</td>`)
)

// pageTable reads the office table of the page: office name → the
// data-value of each cell, and checks that a suppressed cell says "< 5"
// and nothing else.
func pageTable(t *testing.T, page []byte) map[string][]string {
	t.Helper()
	m := officeTable.FindSubmatch(page)
	if m == nil {
		t.Fatalf("no office table in the page:\n%s", page)
	}
	out := map[string][]string{}
	for _, r := range tableRow.FindAllSubmatch(m[1], -1) {
		name := html.UnescapeString(string(rowHead.FindSubmatch(r[1])[1]))
		var vals []string
		for _, c := range dataCell.FindAllSubmatch(r[1], -1) {
			v, shown := html.UnescapeString(string(c[1])), html.UnescapeString(string(c[2]))
			if v == "< 5" && shown != "< 5" {
				t.Errorf("%s: a suppressed cell shows %q", name, shown)
			}
			vals = append(vals, v)
		}
		out[name] = vals
	}
	return out
}

func csvTable(t *testing.T, b []byte) map[string][]string {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatalf("CSV: %v\n%s", err, b)
	}
	if len(recs) < 2 || recs[0][0] != "Amt" || recs[0][1] != "Angeklopft" {
		t.Fatalf("CSV header %v", recs)
	}
	out := map[string][]string{}
	for _, r := range recs[1:] {
		out[r[0]] = r[1:]
	}
	return out
}

// odsTable checks the spreadsheet's structure (mimetype first and
// stored, a manifest naming content.xml) and reads content.xml.
func odsTable(t *testing.T, b []byte) map[string][]string {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("ODS is no zip: %v", err)
	}
	if f := z.File[0]; f.Name != "mimetype" || f.Method != zip.Store {
		t.Fatalf("first entry %s (method %d), want mimetype stored", f.Name, f.Method)
	}
	read := func(name string) []byte {
		for _, f := range z.File {
			if f.Name == name {
				r, _ := f.Open()
				defer r.Close()
				b, _ := io.ReadAll(r)
				return b
			}
		}
		t.Fatalf("ODS lacks %s", name)
		return nil
	}
	if m := string(read("mimetype")); m != "application/vnd.oasis.opendocument.spreadsheet" {
		t.Fatalf("mimetype %q", m)
	}
	if !bytes.Contains(read("META-INF/manifest.xml"), []byte(`manifest:full-path="content.xml"`)) {
		t.Fatal("the manifest does not list content.xml")
	}
	var doc struct {
		Rows []struct {
			Cells []struct {
				Type  string `xml:"value-type,attr"`
				Value string `xml:"value,attr"`
				Text  string `xml:"p"`
			} `xml:"table-cell"`
		} `xml:"body>spreadsheet>table>table-row"`
	}
	if err := xml.Unmarshal(read("content.xml"), &doc); err != nil {
		t.Fatalf("content.xml: %v", err)
	}
	out := map[string][]string{}
	for _, r := range doc.Rows[1:] {
		var vals []string
		for _, c := range r.Cells[1:] {
			v := c.Text
			if c.Type == "float" {
				v = c.Value
			}
			vals = append(vals, v)
		}
		out[r.Cells[0].Text] = vals
	}
	return out
}

func TestStatisticsOfAScriptedDay(t *testing.T) {
	srv, clock := statsAppliance(t, false)
	scriptDay(t, srv, clock)
	berlin, _ := time.LoadLocation(srv.Config.Site.TimeZone)
	day := clock.start.In(berlin).Format("2006-01-02")
	// columns: knocks, admitted, declined, abandoned, forwarded, wait p50,
	// p90, consultations, consultation p50, p90, share with interpreter,
	// appointments booked, kept, missed
	// the Bauamt's small cells are "< 5"; the Ausländerbehörde's counts,
	// the smallest beside them, and the total's percentiles and share are
	// withheld (".") so that the total does not give them back
	want := map[string][]string{
		"Bürgerbüro":       {"12", "8", "< 5", "< 5", "< 5", "4.0", "8.0", "8", "10.0", "40.0", "62.5", "0", "0", "0"},
		"Bauamt":           {"< 5", "< 5", "< 5", "0", "0", "< 5", "< 5", "< 5", "< 5", "< 5", "< 5", "0", "0", "0"},
		"Ausländerbehörde": {".", ".", "0", "0", "0", "10.0", "10.0", ".", "5.0", "5.0", "0.0", "0", "0", "0"},
		"Gesamt":           {"20", "14", "< 5", "< 5", "< 5", ".", ".", "14", ".", ".", ".", "0", "0", "0"},
	}
	check := func(when string) {
		t.Helper()
		lead := staffAs(t, srv, "carla")
		st, page := statsGet(t, lead, "/staff/stats", day)
		if st != 200 {
			t.Fatalf("%s: page %d", when, st)
		}
		got := pageTable(t, page)
		for office, w := range want {
			if !slices.Equal(got[office], w) {
				t.Errorf("%s: page row %s = %v, want %v", when, office, got[office], w)
			}
		}
		if len(got) != len(want) {
			t.Errorf("%s: rows %v, want %d", when, got, len(want))
		}
		if !strings.Contains(string(page), `<td data-value="&lt; 5">&lt; 5</td>`) {
			t.Errorf("%s: the page shows no suppressed cell as < 5", when)
		}
		for _, lang := range []string{`<th scope="row" lang="de" dir="ltr">Deutsch</th><td data-value=".">.</td>`, `<th scope="row" lang="en" dir="ltr">English</th><td data-value="&lt; 5">`} {
			if !strings.Contains(string(page), lang) {
				t.Errorf("%s: languages table lacks %s", when, lang)
			}
		}
		st, b := statsGet(t, lead, "/staff/stats.csv", day)
		if st != 200 {
			t.Fatalf("%s: CSV %d", when, st)
		}
		if c := csvTable(t, b); !mapsEqual(c, got) {
			t.Errorf("%s: CSV %v\ndiffers from the page %v", when, c, got)
		}
		st, b = statsGet(t, lead, "/staff/stats.ods", day)
		if st != 200 {
			t.Fatalf("%s: ODS %d", when, st)
		}
		if o := odsTable(t, b); !mapsEqual(o, got) {
			t.Errorf("%s: ODS %v\ndiffers from the page %v", when, o, got)
		}
	}
	check("after the day")

	// a lead of the Bauamt alone sees the Bauamt alone, also when the
	// address asks for another office; an admin sees every office
	ctx := context.Background()
	for _, c := range []staff.Clerk{{Login: "emil", DisplayName: "Emil", Role: staff.RoleLead, Offices: []string{"bauamt"}},
		{Login: "dora", DisplayName: "Dora", Role: staff.RoleAdmin}} {
		if err := srv.App.Staff.Save(ctx, c, c.Login+"-passwort-1234", false); err != nil {
			t.Fatal(err)
		}
	}
	emil := newClient(t, srv)
	emil.login("emil", "emil-passwort-1234")
	_, page := fetchPage(t, emil.http, emil.base+"/staff/stats?from="+day+"&to="+day+"&office=buergerbuero", nil)
	if rows := pageTable(t, []byte(page)); len(rows) != 2 || !slices.Equal(rows["Bauamt"], want["Bauamt"]) || strings.Contains(page, `value="buergerbuero"`) {
		t.Errorf("the Bauamt's lead sees %v", rows)
	}
	dora := newClient(t, srv)
	dora.login("dora", "dora-passwort-1234")
	if _, page := statsGet(t, dora, "/staff/stats", day); len(pageTable(t, page)) != 4 {
		t.Errorf("the admin does not see every office: %v", pageTable(t, page))
	}

	clerk := staffAs(t, srv, "anna")
	if st, _ := statsGet(t, clerk, "/staff/stats", day); st != 403 {
		t.Errorf("a clerk gets the statistics page: %d", st)
	}
	if st, _ := statsGet(t, clerk, "/staff/stats.csv", day); st != 403 {
		t.Errorf("a clerk gets the CSV: %d", st)
	}

	srv.Restart()
	check("after a restart")
}

func mapsEqual(a, b map[string][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

// TestDailyFiguresAsGauges: the scripted day's persisted figures reach
// Prometheus as today's gauges per office, survive a restart, and a cell
// with fewer than five cases is left out.
func TestDailyFiguresAsGauges(t *testing.T) {
	srv, clock := statsAppliance(t, false)
	scriptDay(t, srv, clock)
	srv.Restart()
	berlin, _ := time.LoadLocation(srv.Config.Site.TimeZone)
	c := stats.NewCollector(srv.App.DB, func() []string { return srv.Offices }, berlin)
	c.Now = clock.Now
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			key := f.GetName()
			for _, l := range m.GetLabel() {
				key += " " + l.GetName() + "=" + l.GetValue()
			}
			got[key] = m.GetGauge().GetValue()
		}
	}
	for key, want := range map[string]float64{
		"buergerbuero_daily_figure day=today figure=knocks office=buergerbuero":              12,
		"buergerbuero_daily_figure day=today figure=admitted office=buergerbuero":            8,
		"buergerbuero_daily_figure day=today figure=consultations office=buergerbuero":       8,
		"buergerbuero_daily_figure day=today figure=abandoned office=bauamt":                 0,
		"buergerbuero_daily_wait_seconds day=today office=buergerbuero quantile=0.5":         240,
		"buergerbuero_daily_wait_seconds day=today office=buergerbuero quantile=0.9":         480,
		"buergerbuero_daily_consultation_seconds day=today office=buergerbuero quantile=0.9": 2400,
		"buergerbuero_daily_figure day=yesterday figure=knocks office=buergerbuero":          0,
	} {
		if v, ok := got[key]; !ok || v != want {
			t.Errorf("%s = %v (exported: %v), want %v", key, v, ok, want)
		}
	}
	for _, gone := range []string{"buergerbuero_daily_figure day=today figure=knocks office=bauamt", "buergerbuero_daily_figure day=today figure=declined office=buergerbuero",
		"buergerbuero_daily_wait_seconds day=today office=bauamt quantile=0.5"} {
		if v, ok := got[gone]; ok {
			t.Errorf("%s = %v exported; a cell below 5 cases must be left out", gone, v)
		}
	}
}

// TestStatisticsTextsComeFromTheCatalogue: in the pseudo-locale every
// text of the statistics page (headings, column names, chart titles and
// descriptions, units) is catalogue text; the rest is data.
func TestStatisticsTextsComeFromTheCatalogue(t *testing.T) {
	srv, clock := statsAppliance(t, true)
	scriptDay(t, srv, clock)
	berlin, _ := time.LoadLocation(srv.Config.Site.TimeZone)
	day := clock.start.In(berlin).Format("2006-01-02")
	data := []string{srv.Config.Site.Name, "Deutsch", "English"}
	for _, o := range srv.Config.Offices {
		data = append(data, o.Name)
	}
	for _, tag := range i18n.Staff {
		data = append(data, i18n.SelfName(tag))
	}
	lead := staffAs(t, srv, "carla")
	st, body := statsGet(t, lead, "/staff/stats", day)
	if st != 200 || !strings.Contains(string(body), `id="chart-days"`) {
		t.Fatalf("statistics page: %d %.300s", st, body)
	}
	for _, s := range hardCoded(string(body), data) {
		t.Errorf("the statistics page shows text that is not from the catalogue: %q", s)
	}
	// a range that ends before it starts: said, and the last week shown
	_, bad := fetchPage(t, lead.http, lead.base+"/staff/stats?from=2026-12-01&to=2026-11-01", nil)
	if !strings.Contains(bad, `id="stats-invalid"`) || !strings.Contains(bad, `id="stats-offices"`) {
		t.Errorf("an inverted range is not reported: %.400s", bad)
	}
	for _, s := range hardCoded(bad, data) {
		t.Errorf("the range error shows text that is not from the catalogue: %q", s)
	}
	clerk := staffAs(t, srv, "anna")
	_, body = statsGet(t, clerk, "/staff/stats", day)
	for _, s := range hardCoded(string(body), data) {
		t.Errorf("the refusal shows text that is not from the catalogue: %q", s)
	}
}
