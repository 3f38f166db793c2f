package e2e

import (
	"regexp"
	"testing"
	"time"
)

// TestAppointmentFiguresPerService: six phone bookings of the Bauamt's
// "Personalausweis" show as six booked appointments in the office table
// and in the service table under the service's name, where the one
// arrival's ticket (it carries the name) joins the bookings (by id); one
// kept appointment is "< 5".
func TestAppointmentFiguresPerService(t *testing.T) {
	srv := bookableAppliance(t)
	first := nextSlot()
	var last time.Time
	var id0, tok0 string
	for i := range 6 {
		last = first.Add(time.Duration(i) * 15 * time.Minute)
		id, tok := phoneBook(t, srv, "bauamt", last, "Ausweis")
		if i == 0 {
			id0, tok0 = id, tok
		}
	}
	if st, _, e := arrive(t, srv, id0, tok0); st != 201 && st != 200 {
		t.Fatalf("arrival: %d %s", st, e)
	}
	lead := staffAs(t, srv, "carla")
	_, page := fetchPage(t, lead.http, lead.base+"/staff/stats?from="+first.Format("2006-01-02")+"&to="+last.Format("2006-01-02")+"&office=bauamt", nil)
	got := pageTable(t, []byte(page))
	// booked, kept, missed are the last three columns
	if b := got["Bauamt"]; len(b) != 14 || b[11] != "6" || b[12] != "< 5" || b[13] != "0" {
		t.Errorf("Bauamt row %v, want 6 booked, < 5 kept, 0 missed", b)
	}
	row := regexp.MustCompile(`<tr><td class="name">Bauamt</td><th scope="row">Personalausweis</th>((?:<td[^>]*>[^<]*</td>)+)</tr>`).FindStringSubmatch(page)
	if row == nil {
		t.Fatalf("no service row for the Personalausweis:\n%s", page)
	}
	var vals []string
	for _, c := range dataCell.FindAllStringSubmatch(row[1], -1) {
		vals = append(vals, c[1])
	}
	// knocks, admitted, consultations, booked, kept, missed
	want := []string{"&lt; 5", "0", "0", "6", "&lt; 5", "0"}
	if len(vals) != len(want) {
		t.Fatalf("service row %v, want %v", vals, want)
	}
	for i := range want {
		if vals[i] != want[i] {
			t.Errorf("service row %v, want %v", vals, want)
			break
		}
	}
}
