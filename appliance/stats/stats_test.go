package stats

import (
	"bytes"
	"context"
	"encoding/csv"
	"slices"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/reception"
)

func TestCountsPerChange(t *testing.T) {
	knock := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	tk := reception.Ticket{Day: "2026-11-23", OfficeID: "bauamt", Language: "tr", Service: "bauantrag", KnockedAt: knock,
		CalledAt: knock.Add(4*time.Minute + 10*time.Second), StartedAt: knock.Add(5 * time.Minute), EndedAt: knock.Add(17 * time.Minute)}
	cases := []struct {
		name  string
		ch    reception.Change
		facts Facts
		want  []Increment
	}{
		{"knock counts the language", reception.Change{Action: reception.ActKnock, Ticket: tk}, Facts{},
			[]Increment{{"2026-11-23", "bauamt", "bauantrag", Knocks, "", 1}, {"2026-11-23", "bauamt", "bauantrag", Lang, "tr", 1}}},
		{"first admission with its wait (4:10 → the 4:30 bucket)", reception.Change{Action: reception.ActAdmit, Before: reception.StateWaiting, Ticket: tk}, Facts{},
			[]Increment{{"2026-11-23", "bauamt", "bauantrag", Admitted, "", 1}, {"2026-11-23", "bauamt", "bauantrag", Wait, "270000", 1}}},
		{"admitted again in the same office: not twice", reception.Change{Action: reception.ActAdmit, Before: reception.StateReturned, Ticket: tk}, Facts{AdmittedBefore: true}, nil},
		{"forward counts at the office it left", reception.Change{Action: reception.ActForward, FromOffice: "buergerbuero", Ticket: tk}, Facts{},
			[]Increment{{"2026-11-23", "buergerbuero", "bauantrag", Forwarded, "", 1}}},
		{"leaving the queue is abandoned", reception.Change{Action: reception.ActLeave, Ticket: tk}, Facts{},
			[]Increment{{"2026-11-23", "bauamt", "bauantrag", Abandoned, "", 1}}},
		{"timed out is abandoned", reception.Change{Action: reception.ActAbandon, Ticket: tk}, Facts{},
			[]Increment{{"2026-11-23", "bauamt", "bauantrag", Abandoned, "", 1}}},
		{"end with an interpreter (12 min)", reception.Change{Action: reception.ActEnd, Ticket: tk}, Facts{Interpreted: true},
			[]Increment{{"2026-11-23", "bauamt", "bauantrag", Consultations, "", 1}, {"2026-11-23", "bauamt", "bauantrag", Handling, "720000", 1},
				{"2026-11-23", "bauamt", "bauantrag", Interpreted, "", 1}}},
		{"a return counts nothing", reception.Change{Action: reception.ActReturn, Ticket: tk}, Facts{}, nil},
	}
	for _, c := range cases {
		if got := Counts(c.ch, c.facts); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func TestPercentilesFromBuckets(t *testing.T) {
	h := Histogram{}
	for _, m := range []time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 30} {
		h.Add(Bucket(m*time.Minute-time.Millisecond), 1)
	}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{.5, 5 * time.Minute}, {.9, 30 * time.Minute}, {.1, time.Minute}} {
		if got, ok := h.Percentile(c.p); !ok || got != c.want {
			t.Errorf("p%.0f = %s, want %s", c.p*100, got, c.want)
		}
	}
	long := Histogram{}
	long.Add(Bucket(9*time.Hour), 1)
	if got, _ := long.Percentile(.5); got != 4*time.Hour {
		t.Errorf("a wait past the last bucket reads %s, want 4h", got)
	}
	if _, ok := (Histogram{}).Percentile(.5); ok {
		t.Error("an empty histogram has a percentile")
	}
}

type fakeSource struct {
	rows  []Row
	books []Booking
}

func (f fakeSource) Figures(context.Context, string, string, []string) ([]Row, error) {
	return f.rows, nil
}
func (f fakeSource) Bookings(context.Context, time.Time, time.Time, []string) ([]Booking, error) {
	return f.books, nil
}

func TestSmallCellsAreSuppressed(t *testing.T) {
	var rows []Row
	add := func(office string, f Figure, detail string, n int64) {
		rows = append(rows, Row{Day: "2026-11-23", Office: office, Figure: f, Detail: detail, N: n})
	}
	add("a", Knocks, "", 7)
	add("a", Admitted, "", 4)
	add("a", Wait, Bucket(3*time.Minute), 4) // four waits: no percentile
	add("a", Consultations, "", 6)
	add("a", Interpreted, "", 1) // one interpreter: no share
	add("b", Knocks, "", 5)
	q := Query{From: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC), Offices: []string{"a", "b"}, Loc: time.UTC}
	books := []Booking{{Office: "b", Booked: true, Kept: true}, {Office: "b", Booked: true, NoShow: true}}
	rep, err := Build(context.Background(), fakeSource{rows, books}, q)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, rep, []string{"office"}, map[string]string{"a": "A", "b": "B", "": "all"}); err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(&buf)
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"office"},
		{"A", "7", "< 5", "0", "0", "0", "< 5", "< 5", "6", "", "", "< 5", "0", "0", "0"},
		{"B", "5", "0", "0", "0", "0", "", "", "0", "", "", "", "< 5", "< 5", "< 5"},
		{"all", "12", "< 5", "0", "0", "0", "< 5", "< 5", "6", "", "", "< 5", "< 5", "< 5", "< 5"}}
	for i := range want {
		if i >= len(recs) || !slices.Equal(recs[i], want[i]) {
			t.Errorf("line %d: %v, want %v", i, recs[min(i, len(recs)-1)], want[i])
		}
	}
	if len(rep.Days) != 2 || rep.Days[0].Knocks.N != 12 || rep.Days[1].Knocks.N != 0 {
		t.Errorf("days %+v, want 12 then 0", rep.Days)
	}
}

func TestCSVNamesAreNoFormulas(t *testing.T) {
	rep := Report{Offices: [][]Value{{{Kind: KindText, Text: "x"}, count(7)}}}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, rep, []string{"Amt", "Angeklopft"}, map[string]string{"x": `=HYPERLINK("http://evil")`}); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if recs[1][0] != `'=HYPERLINK("http://evil")` || recs[1][1] != "7" {
		t.Errorf("line %q: a name starting with = must not become a formula", recs[1])
	}
}

// TestSmallCellsCannotBeComputedFromTheTotal: with the Bauamt's 3 knocks
// hidden, the total minus the other offices would give them back; the
// smallest other office is withheld too, and the total's percentile is
// withheld when an office's is suppressed.
func TestSmallCellsCannotBeComputedFromTheTotal(t *testing.T) {
	var rows []Row
	add := func(office string, f Figure, detail string, n int64) {
		rows = append(rows, Row{Day: "2026-11-23", Office: office, Figure: f, Detail: detail, N: n})
	}
	add("a", Knocks, "", 12)
	add("a", Lang, "de", 12)
	add("a", Wait, Bucket(2*time.Minute), 6)
	add("b", Knocks, "", 3)
	add("b", Lang, "en", 3)
	add("b", Wait, Bucket(40*time.Minute), 1)
	add("c", Knocks, "", 5)
	add("c", Lang, "de", 5)
	day := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	rep, err := Build(context.Background(), fakeSource{rows, nil}, Query{From: day, To: day, Offices: []string{"a", "b", "c"}, Loc: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	knocks, wait := slices.Index(Columns, ColKnocks), slices.Index(Columns, ColWaitP50)
	var got []string
	for _, row := range rep.Offices {
		got = append(got, row[knocks].Canonical(), row[wait].Canonical())
	}
	if want := []string{"12", "2.0", "< 5", "< 5", ".", "", "20", "."}; !slices.Equal(got, want) {
		t.Errorf("knocks and wait p50 of a, b, c, total: %v, want %v", got, want)
	}
	var langs []string
	for _, l := range rep.Languages {
		langs = append(langs, l.Lang+" "+l.Knocks.Canonical())
	}
	if want := []string{"de .", "en < 5"}; !slices.Equal(langs, want) {
		t.Errorf("languages %v, want %v: 20 knocks minus 17 in German would give the English ones", langs, want)
	}
}
