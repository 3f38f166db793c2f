package reception_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/problem"
	"github.com/buergerbuero/buergerbuero/appliance/reception"
	"github.com/buergerbuero/buergerbuero/appliance/staff"
)

// offDuty signs both fixture clerks off.
func offDuty(f *fixture) {
	for _, c := range []staff.Clerk{clerkAnna, clerkBen} {
		c.Presence = staff.PresenceOffline
		f.svc.UpdateClerk(c)
	}
}

// acceptWithoutClerk sets the Bauamt's knocks_without_clerk.
func acceptWithoutClerk(t *testing.T, f *fixture, on bool) {
	t.Helper()
	ctx := context.Background()
	o, _ := f.svc.Office("bauamt")
	o.KnocksWithoutClerk = on
	if err := f.db.UpsertOffice(ctx, o); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.ReloadOffices(ctx); err != nil {
		t.Fatal(err)
	}
}

// The Bauamt is open Mon–Fri 08:00–12:00 with a default handling time of
// 10 minutes.
func TestIntakeWithAndWithoutClerk(t *testing.T) {
	cases := []struct {
		name          string
		at            time.Time
		onDuty        bool
		withoutClerk  bool
		state, reason string
		want          error
	}{
		{"open with a clerk", monday(9, 0), true, false, reception.OfficeOpen, "", nil},
		{"open, nobody on duty", monday(9, 0), false, false, reception.OfficeUnstaffed, "nobody_on_duty", reception.ErrNobodyOnDuty},
		{"open, nobody on duty, knocks without clerk", monday(9, 0), false, true, reception.OfficeUnstaffed, "", nil},
		{"closed, nobody on duty", monday(7, 0), false, true, reception.OfficeClosed, "closed", reception.ErrClosed},
		{"closed, clerk on duty", monday(12, 30), true, false, reception.OfficeClosed, "closed", reception.ErrClosed},
		// with a free chair the wait is 0; half a consultation must still fit
		{"clerk, consultation fits", monday(11, 54), true, false, reception.OfficeOpen, "", nil},
		{"clerk, estimate near closing", monday(11, 56), true, false, reception.OfficeOpen, "closing_soon", reception.ErrClosingSoon},
		// nobody on duty: one whole consultation before anyone is free, plus half of the citizen's own
		{"no clerk, wait fits", monday(11, 44), false, true, reception.OfficeUnstaffed, "", nil},
		{"no clerk, wait runs to closing", monday(11, 45), false, true, reception.OfficeUnstaffed, "closing_soon", reception.ErrClosingSoon},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, c.at, "", nil)
			acceptWithoutClerk(t, f, c.withoutClerk)
			if !c.onDuty {
				offDuty(f)
			}
			st, _ := f.svc.OfficeStatus("bauamt")
			if st.State != c.state || st.Reason != c.reason || st.Accepting != (c.want == nil) {
				t.Errorf("office list: state %q reason %q accepting %v, want %q %q %v", st.State, st.Reason, st.Accepting, c.state, c.reason, c.want == nil)
			}
			if !c.onDuty && st.ClerksOnDuty != 0 {
				t.Errorf("clerks on duty %d", st.ClerksOnDuty)
			}
			if c.state == reception.OfficeClosed && st.ChairsFree != 0 {
				t.Errorf("a closed office shows %d free desks", st.ChairsFree)
			}
			_, err := f.svc.Knock(context.Background(), "bauamt", reception.KnockRequest{Concern: "Bauantrag Garage", Language: "de"})
			if !errors.Is(err, c.want) && !(c.want == nil && err == nil) {
				t.Fatalf("knock: %v, want %v", err, c.want)
			}
			if p, ok := problem.As(err); ok && errors.Is(c.want, reception.ErrNobodyOnDuty) && (p.Kind != problem.KindClosed || p.Code != "nobody_on_duty") {
				t.Errorf("nobody on duty: %+v", p)
			}
		})
	}
}

// No citizen and no visitor of the office list ever sees an estimate that
// runs past closing time: not when knocking, and not later when the
// clerks sign off and the estimates grow.
func TestNoEstimatePastClosing(t *testing.T) {
	f := newFixture(t, monday(11, 0), "", nil)
	closes := monday(12, 0)
	var waiting []reception.KnockResult
	for {
		r, err := f.svc.Knock(context.Background(), "bauamt", reception.KnockRequest{Concern: "Bauantrag", Language: "de"})
		if errors.Is(err, reception.ErrClosingSoon) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if end := r.Ticket.KnockedAt.Add(time.Duration(r.View.EstimateSeconds) * time.Second); end.After(closes) {
			t.Fatalf("%s knocked at %s and was told %ds: past closing", r.Ticket.Number, r.Ticket.KnockedAt.In(berlin).Format("15:04"), r.View.EstimateSeconds)
		}
		waiting = append(waiting, r)
		f.advance(time.Minute)
	}
	if len(waiting) < 2 {
		t.Fatalf("only %d knocks accepted", len(waiting))
	}
	check := func(when string) {
		t.Helper()
		now := f.now()
		for _, r := range waiting {
			v, err := f.svc.TicketView(context.Background(), r.Ticket.ID, r.Token)
			if err != nil {
				t.Fatal(err)
			}
			if now.Add(time.Duration(v.EstimateSeconds) * time.Second).After(closes) {
				t.Errorf("%s: %s at place %d is told %ds, past closing", when, v.Number, v.Place, v.EstimateSeconds)
			}
		}
		if st, _ := f.svc.OfficeStatus("bauamt"); now.Add(time.Duration(st.EstimateSeconds) * time.Second).After(closes) {
			t.Errorf("%s: the office list shows %ds, past closing", when, st.EstimateSeconds)
		}
	}
	check("clerks on duty")
	offDuty(f)
	f.advance(5 * time.Minute)
	check("nobody on duty")
}

func TestKnockLanguageMustBeOffered(t *testing.T) {
	f := newFixture(t, monday(9, 0), "", nil)
	for _, c := range []struct{ in, want string }{{"", "de"}, {"en", "en"}, {" EN ", "en"}} {
		r, err := f.svc.Knock(context.Background(), "bauamt", reception.KnockRequest{Concern: "Bauantrag", Language: c.in})
		if err != nil || r.Ticket.Language != c.want {
			t.Errorf("language %q: %v, %q, want %q", c.in, err, r.Ticket.Language, c.want)
		}
	}
	for _, lang := range []string{"tr", "xx", "deutsch"} {
		_, err := f.svc.Knock(context.Background(), "bauamt", reception.KnockRequest{Concern: "Bauantrag", Language: lang})
		p, ok := problem.As(err)
		if !ok || p.Kind != problem.KindInvalid || p.Field != "language" || p.Code != "language_not_offered" || fmt.Sprint(p.Args["Allowed"]) != "[de en]" {
			t.Errorf("language %q: %+v, want invalid language naming de, en", lang, err)
		}
	}
}
