package connector

import (
	"strings"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/matrixbridge/staffapi"
)

// A booked citizen who arrived through the join link is announced in the
// office room as "Termin HH:MM" with the service; a walk-in is not.
func TestKnockPostSaysItIsAnAppointment(t *testing.T) {
	c := &Connector{loc: localizer(nil, "de")}
	slot := time.Date(2026, 6, 3, 10, 15, 0, 0, time.Local)
	t1 := staffapi.Ticket{ID: "t_1", Number: "BA-003", OfficeID: "bauamt", State: staffapi.StateWaiting, Language: "de",
		Concern: "Ausweis verloren", KnockedAt: slot.Add(-5 * time.Minute), AppointmentAt: slot, Service: "Personalausweis"}
	body := c.renderKnock(t1, "bauamt")
	for _, want := range []string{"Termin 10:15", "Personalausweis", "BA-003", "Ausweis verloren"} {
		if !strings.Contains(body, want) {
			t.Errorf("knock post %q lacks %q", body, want)
		}
	}
	t1.AppointmentAt, t1.Service = time.Time{}, ""
	if body := c.renderKnock(t1, "bauamt"); strings.Contains(body, "Termin") {
		t.Errorf("a walk-in's post says Termin: %q", body)
	}
}
