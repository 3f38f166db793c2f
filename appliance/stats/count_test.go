package stats

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/reception"
)

// askedFacts answers as told and records what was asked.
type askedFacts struct {
	admitted, attended bool
	asked              []string
	roles              []string
}

func (f *askedFacts) AdmittedBefore(_ context.Context, ticket, office string) (bool, error) {
	f.asked = append(f.asked, "admitted "+ticket+" "+office)
	return f.admitted, nil
}

func (f *askedFacts) Attended(_ context.Context, room string, roles []string) (bool, error) {
	f.asked, f.roles = append(f.asked, "attended "+room), roles
	return f.attended, nil
}

// TestCountAsksOnlyWhatTheChangeNeeds: Count asks the change's
// transaction whether the ticket was admitted before only for an
// admission, and whether an interpreter took part only at the end of a
// consultation; a second admission in the same office adds nothing, an
// interpreted consultation adds "interpreted".
func TestCountAsksOnlyWhatTheChangeNeeds(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	tk := reception.Ticket{ID: "t_1", OfficeID: "bauamt", Day: "2026-11-23", Language: "de", KnockedAt: at, CalledAt: at.Add(time.Minute), RoomID: "r_1"}

	f := &askedFacts{}
	if got, err := Count(ctx, reception.Change{Action: reception.ActKnock, Ticket: tk}, f); err != nil || len(got) != 2 || len(f.asked) != 0 {
		t.Fatalf("knock: %+v, asked %v, %v", got, f.asked, err)
	}
	f = &askedFacts{admitted: true}
	if got, err := Count(ctx, reception.Change{Action: reception.ActAdmit, Ticket: tk}, f); err != nil || len(got) != 0 || !slices.Equal(f.asked, []string{"admitted t_1 bauamt"}) {
		t.Fatalf("second admission: %+v, asked %v, %v", got, f.asked, err)
	}
	tk.StartedAt, tk.EndedAt = at.Add(2*time.Minute), at.Add(10*time.Minute)
	f = &askedFacts{attended: true}
	got, err := Count(ctx, reception.Change{Action: reception.ActEnd, Ticket: tk}, f)
	if err != nil || !slices.Equal(f.asked, []string{"attended r_1"}) || !slices.Equal(f.roles, InterpreterRoles) {
		t.Fatalf("end: asked %v for %v, %v", f.asked, f.roles, err)
	}
	if !slices.ContainsFunc(got, func(c reception.Tally) bool {
		return c.Figure == string(Interpreted) && c.Office == "bauamt" && c.N == 1
	}) {
		t.Fatalf("interpreted consultation not counted: %+v", got)
	}
}
