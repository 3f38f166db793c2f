package reception

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/consultation"
)

// noFacts answers a transition's questions with "no".
type noFacts struct{}

func (noFacts) AdmittedBefore(context.Context, string, string) (bool, error) { return false, nil }
func (noFacts) Attended(context.Context, string, []string) (bool, error)     { return false, nil }

func inConsultationTicket(at time.Time) Ticket {
	return Ticket{ID: "t_1", OfficeID: "bauamt", Number: "BA-001", Day: "2026-11-30", Name: "Erika Muster", Concern: "Bauantrag",
		State: StateInConsultation, Clerk: "anna", RoomID: "r_1", KnockedAt: at, CalledAt: at.Add(time.Minute), StartedAt: at.Add(2 * time.Minute)}
}

// TestEndClosesRoomAndRecordsHandling: the rules, not the store, decide
// that the end of a consultation closes its room, gives the estimator a
// handling sample, forgets the connection record, and what the staff
// event and the audit entry say — without the citizen's name or concern.
func TestEndClosesRoomAndRecordsHandling(t *testing.T) {
	at := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	ended := at.Add(14 * time.Minute)
	var counted []Action
	rules := Rules{Count: func(_ context.Context, ch Change, _ Facts) ([]Tally, error) {
		counted = append(counted, ch.Action)
		return []Tally{{Day: ch.Ticket.Day, Office: ch.Ticket.OfficeID, Figure: "consultations", N: 1}}, nil
	}}
	out, err := rules.Step(ActEnd, "anna", func(t *Ticket) (*consultation.Room, error) {
		t.EndedAt, t.UpdatedAt = ended, ended
		return nil, nil
	})(context.Background(), inConsultationTicket(at), noFacts{})
	if err != nil {
		t.Fatal(err)
	}
	if out.Change.Before != StateInConsultation || out.Change.Ticket.State != StateEnded {
		t.Fatalf("change %s → %s", out.Change.Before, out.Change.Ticket.State)
	}
	if out.EndRoom != "r_1" || !out.EndedAt.Equal(ended) || out.OpenRoom != nil {
		t.Fatalf("room: end %q at %v, open %+v", out.EndRoom, out.EndedAt, out.OpenRoom)
	}
	if h := out.Handling; h == nil || h.Duration != 12*time.Minute || h.OfficeID != "bauamt" || !h.EndedAt.Equal(ended) {
		t.Fatalf("handling sample: %+v", out.Handling)
	}
	if !out.DropConnections || out.Forward != nil {
		t.Fatalf("connections dropped %v, forward %+v", out.DropConnections, out.Forward)
	}
	if out.Audit != (AuditEntry{Action: "end"}) {
		t.Fatalf("audit: %+v", out.Audit)
	}
	if len(out.Tallies) != 1 || len(counted) != 1 || counted[0] != ActEnd {
		t.Fatalf("figures: %+v (counted %v)", out.Tallies, counted)
	}
	var ev ChangePayload
	if err := json.Unmarshal(out.Event, &ev); err != nil || ev.Action != ActEnd || ev.Actor != "anna" || ev.Ticket.State != StateEnded {
		t.Fatalf("event %s: %v", out.Event, err)
	}
	if s := string(out.Event); strings.Contains(s, "Erika") || strings.Contains(s, "Bauantrag") {
		t.Fatalf("the event carries personal data: %s", s)
	}
}

// TestForwardAndReturnEffects: a forward to another office is recorded in
// the history and named in the audit as "from … to …", one to a clerk as
// "to clerk …"; a citizen sent back to the waiting room loses the room but
// keeps the connection record, and no handling time is taken.
func TestForwardAndReturnEffects(t *testing.T) {
	at := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	ctx := context.Background()
	out, err := Rules{}.Step(ActForward, "anna", func(t *Ticket) (*consultation.Room, error) {
		t.OfficeID, t.ForwardNote, t.UpdatedAt, t.RoomID = "ordnungsamt", "bitte Ausweis", at, ""
		return nil, nil
	})(ctx, inConsultationTicket(at), noFacts{})
	if err != nil {
		t.Fatal(err)
	}
	if f := out.Forward; f == nil || f.FromOffice != "bauamt" || f.ToOffice != "ordnungsamt" || f.By != "anna" || f.Note != "bitte Ausweis" {
		t.Fatalf("forward: %+v", out.Forward)
	}
	if out.Change.FromOffice != "bauamt" || out.Audit.Detail != "from bauamt to ordnungsamt" || out.EndRoom != "r_1" || out.Handling != nil {
		t.Fatalf("forward outcome: from %q, audit %+v, end room %q, handling %+v", out.Change.FromOffice, out.Audit, out.EndRoom, out.Handling)
	}
	if out.Tallies != nil {
		t.Fatalf("no counter, yet figures: %+v", out.Tallies)
	}

	out, err = Rules{}.Step(ActForward, "anna", func(t *Ticket) (*consultation.Room, error) {
		t.ReservedFor, t.UpdatedAt = "ben", at
		return nil, nil
	})(ctx, inConsultationTicket(at), noFacts{})
	if err != nil || out.Audit.Detail != "to clerk ben" || out.Change.FromOffice != "" {
		t.Fatalf("forward to a clerk: %+v, %v", out.Audit, err)
	}

	called := inConsultationTicket(at)
	called.State, called.StartedAt = StateCalled, time.Time{}
	out, err = Rules{}.Step(ActReturn, "system", func(t *Ticket) (*consultation.Room, error) {
		backToQueue(t, at)
		return nil, nil
	})(ctx, called, noFacts{})
	if err != nil || out.EndRoom != "r_1" || out.DropConnections || out.Handling != nil || out.Audit.Detail != "" {
		t.Fatalf("return: %+v, %v", out, err)
	}
}

// TestStepRefusesBeforeDeciding: an action the state does not allow, or
// a mutate that fails, gives no outcome; a knock starts without a live
// connection, so the grace period runs from the knock.
func TestStepRefusesBeforeDeciding(t *testing.T) {
	at := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	ctx := context.Background()
	if _, err := (Rules{}).Step(ActAdmit, "anna", nil)(ctx, inConsultationTicket(at), noFacts{}); !IsConflict(err) {
		t.Fatalf("admitting a ticket in consultation: %v, want a conflict", err)
	}
	boom := errors.New("room refused")
	if _, err := (Rules{}).Step(ActEnd, "anna", func(*Ticket) (*consultation.Room, error) { return nil, boom })(ctx, inConsultationTicket(at), noFacts{}); !errors.Is(err, boom) {
		t.Fatalf("failing mutate: %v", err)
	}
	tk := Ticket{ID: "t_2", OfficeID: "bauamt", State: StateWaiting, KnockedAt: at}
	out, err := Rules{}.Knock()(ctx, tk, noFacts{})
	if err != nil || !out.Disconnected.Equal(at) || out.Change.Action != ActKnock || out.Change.Actor != "citizen" || out.Audit.Action != "knock" {
		t.Fatalf("knock: %+v, %v", out, err)
	}
}
