package audit_test

import (
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/audit"
)

// TestWriteCSV: a header row, times in the given zone, and a cell a
// spreadsheet would run as a formula is made inert.
func TestWriteCSV(t *testing.T) {
	var b strings.Builder
	at := time.Date(2026, 11, 29, 23, 0, 0, 0, time.UTC)
	berlin, _ := time.LoadLocation("Europe/Berlin")
	err := audit.WriteCSV(&b, []audit.Entry{{At: at, Actor: "dora", Action: "admin.clerk.create", Detail: "login=emil, role=clerk"},
		{At: at, Actor: "=HYPERLINK(1)", Action: "x"}}, berlin)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(b.String())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"at", "actor", "action", "office_id", "ticket_id", "detail"},
		{"2026-11-30T00:00:00+01:00", "dora", "admin.clerk.create", "", "", "login=emil, role=clerk"},
		{"2026-11-30T00:00:00+01:00", "'=HYPERLINK(1)", "x", "", "", ""},
	}
	if len(rows) != len(want) {
		t.Fatalf("rows %q", rows)
	}
	for i := range want {
		if strings.Join(rows[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("row %d: %q, want %q", i, rows[i], want[i])
		}
	}
}
