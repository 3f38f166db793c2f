package consultation_test

import (
	"context"
	"strings"
	"testing"

	"github.com/buergerbuero/buergerbuero/appliance/audit"
	"github.com/buergerbuero/buergerbuero/appliance/consultation"
)

// TestAuditNamesRoomsAndRolesNotPeople: the consultation composes its
// audit entries and the store writes them as given. A colleague added to
// the room is named with the room, the ticket and the office; an invited
// interpreter's invite and session are logged by role only, never by the
// name the clerk typed for them.
func TestAuditNamesRoomsAndRolesNotPeople(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, false)
	inv, _, err := f.rooms.CreateInvite(ctx, consultation.Actor{Clerk: anna}, f.room.ID, consultation.RoleInterpreter, "tr", "Herr Yilmaz")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.rooms.RedeemInvite(ctx, inv); err != nil {
		t.Fatal(err)
	}
	if _, err := f.rooms.AddColleague(ctx, consultation.Actor{Clerk: anna}, f.room.ID, "ben"); err != nil {
		t.Fatal(err)
	}
	entries, err := f.db.Entries(ctx, audit.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]audit.Entry{}
	for _, e := range entries {
		if strings.Contains(e.Actor+e.Detail, "Yilmaz") {
			t.Errorf("the audit names the interpreter: %+v", e)
		}
		got[e.Action] = e
	}
	want := map[string]audit.Entry{
		"participant_invite":  {Actor: consultation.RoleInterpreter, Detail: "room " + f.room.ID + " role " + consultation.RoleInterpreter},
		"participant_session": {Actor: consultation.RoleInterpreter, Detail: "room " + f.room.ID + " role " + consultation.RoleInterpreter},
		"room_colleague":      {Actor: "anna", TicketID: f.ticket.Ticket.ID, OfficeID: "amt", Detail: "room " + f.room.ID + " member ben"},
	}
	for action, w := range want {
		e, ok := got[action]
		if !ok || e.Actor != w.Actor || e.TicketID != w.TicketID || e.OfficeID != w.OfficeID || e.Detail != w.Detail || e.At.IsZero() {
			t.Errorf("%s: %+v, want %+v", action, e, w)
		}
	}
}
