package e2e

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/app"
	"github.com/buergerbuero/buergerbuero/appliance/apptest"
	"github.com/buergerbuero/buergerbuero/appliance/config"
	"github.com/buergerbuero/buergerbuero/appliance/reception"
	"github.com/buergerbuero/buergerbuero/appliance/staff"
)

// statsClock is the fixed clock of the scripted day; it runs an hour
// ahead of the wall clock, so that invites and sessions made by it are
// not yet expired for the purge (which uses the wall clock).
type statsClock struct {
	mu    sync.Mutex
	start time.Time
	now   time.Time
}

func (c *statsClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// at sets the clock to start + d.
func (c *statsClock) at(d time.Duration) {
	c.mu.Lock()
	c.now = c.start.Add(d)
	c.mu.Unlock()
}

// statsAppliance starts an appliance on the scripted day's clock. The
// grace period is long: nobody is abandoned by the sweep, only by leaving.
func statsAppliance(t *testing.T, pseudo bool) (*apptest.Server, *statsClock) {
	t.Helper()
	start := time.Now().Add(time.Hour).Truncate(time.Minute)
	clock := &statsClock{start: start, now: start}
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true, PseudoLocale: pseudo,
		Configure: func(c *config.Config) { c.Reception.GracePeriod = config.Duration{Duration: 24 * time.Hour} },
		Prepare:   func(a *app.App) { a.Rec.SetClock(clock.Now) },
	})
	return srv, clock
}

func statsClerk(login string) reception.Actor {
	return reception.Actor{Clerk: staff.Clerk{Login: login, DisplayName: login, Role: staff.RoleClerk,
		Offices: []string{"buergerbuero", "bauamt", "auslaenderbehoerde"}, Presence: staff.PresenceAvailable}}
}

// scriptDay plays a day of visits through the reception, every step at a
// known time after the clock's start (all knocks at +0):
//
// Bürgerbüro: 12 knocks (8 in German, 4 in English). Tickets 1–8 are
// admitted by eight clerks at +1 … +8 min (waits 1 … 8 min) and end
// after 10, 10, 10, 10, 20, 20, 20 and 40 min; an interpreter joins the
// first five. Ticket 9 is forwarded to the Bauamt, 10 and 11 are
// declined, 12 leaves the queue.
//
// Bauamt: 3 knocks in German; one declined, two still waiting. The
// forwarded ticket is admitted at +30 min (wait 30 min from its knock) and
// ends after 10 min.
//
// Ausländerbehörde: 5 knocks in German, admitted at +10 min by five
// clerks, ended at +15 min.
//
// Hand-computed (nearest rank over the histogram buckets): Bürgerbüro
// wait p50 4 min, p90 8 min; consultation p50 10 min, p90 40 min; 5 of 8
// with an interpreter (62.5 %). Ausländerbehörde: waits and
// consultations all 10 and 5 min. Total: 20 knocks, 14 admitted, 14
// consultations.
func scriptDay(t *testing.T, srv *apptest.Server, clock *statsClock) {
	t.Helper()
	ctx := context.Background()
	rec := srv.App.Rec
	knock := func(office, lang string) reception.KnockResult {
		r, err := rec.Knock(ctx, office, reception.KnockRequest{Concern: "Anliegen", Language: lang, Client: "192.0.2.7"})
		if err != nil {
			t.Fatalf("knock %s: %v", office, err)
		}
		return r
	}
	var a []reception.KnockResult
	for i := range 12 {
		lang := "de"
		if i >= 8 {
			lang = "en"
		}
		a = append(a, knock("buergerbuero", lang))
	}
	var b []reception.KnockResult
	for range 3 {
		b = append(b, knock("bauamt", "de"))
	}
	var c []reception.KnockResult
	for range 5 {
		c = append(c, knock("auslaenderbehoerde", "de"))
	}
	handling := []time.Duration{10, 10, 10, 10, 20, 20, 20, 40}
	type open struct {
		id  string
		end time.Duration
		who reception.Actor
	}
	var ends []open
	for k := range 8 {
		clock.at(time.Duration(k+1) * time.Minute)
		who := statsClerk("c" + string(rune('1'+k)))
		st, err := rec.Admit(ctx, who, a[k].Ticket.ID)
		if err != nil {
			t.Fatalf("admit %d: %v", k, err)
		}
		if _, err := rec.Enter(ctx, a[k].Ticket.ID, a[k].Token); err != nil {
			t.Fatalf("enter %d: %v", k, err)
		}
		if k < 5 {
			tok, _, err := rec.Rooms.CreateInvite(ctx, who, st.RoomID, "interpreter", "en", "")
			if err != nil {
				t.Fatalf("invite %d: %v", k, err)
			}
			if _, _, err := rec.Rooms.RedeemInvite(ctx, tok); err != nil {
				t.Fatalf("redeem %d: %v", k, err)
			}
		}
		ends = append(ends, open{a[k].Ticket.ID, time.Duration(k+1)*time.Minute + handling[k]*time.Minute, who})
	}
	clock.at(9 * time.Minute)
	boss := statsClerk("c9")
	if _, err := rec.Forward(ctx, boss, a[8].Ticket.ID, "bauamt", "", ""); err != nil {
		t.Fatalf("forward: %v", err)
	}
	for _, id := range []string{a[9].Ticket.ID, a[10].Ticket.ID, b[0].Ticket.ID} {
		if _, err := rec.Decline(ctx, boss, id, "Bitte wenden Sie sich an das Ordnungsamt."); err != nil {
			t.Fatalf("decline: %v", err)
		}
	}
	if err := rec.Leave(ctx, a[11].Ticket.ID, a[11].Token); err != nil {
		t.Fatalf("leave: %v", err)
	}
	clock.at(10 * time.Minute)
	var abh []reception.Actor
	for k := range c {
		who := statsClerk("a" + string(rune('1'+k)))
		abh = append(abh, who)
		if _, err := rec.Admit(ctx, who, c[k].Ticket.ID); err != nil {
			t.Fatalf("admit Ausländerbehörde %d: %v", k, err)
		}
		if _, err := rec.Enter(ctx, c[k].Ticket.ID, c[k].Token); err != nil {
			t.Fatalf("enter Ausländerbehörde %d: %v", k, err)
		}
	}
	for _, o := range ends[:4] { // the ends at +11 … +14 come before the forwarded admission
		clock.at(o.end)
		if _, err := rec.End(ctx, o.who, o.id); err != nil {
			t.Fatalf("end: %v", err)
		}
	}
	clock.at(15 * time.Minute)
	for k := range c {
		if _, err := rec.End(ctx, abh[k], c[k].Ticket.ID); err != nil {
			t.Fatalf("end Ausländerbehörde %d: %v", k, err)
		}
	}
	clock.at(30 * time.Minute)
	bauamt := statsClerk("c10")
	if _, err := rec.Admit(ctx, bauamt, a[8].Ticket.ID); err != nil {
		t.Fatalf("admit forwarded: %v", err)
	}
	if _, err := rec.Enter(ctx, a[8].Ticket.ID, a[8].Token); err != nil {
		t.Fatalf("enter forwarded: %v", err)
	}
	ends = append(ends[4:], open{a[8].Ticket.ID, 40 * time.Minute, bauamt})
	// in time order: +25, +26, +27, +40 (forwarded), +48
	order := []int{0, 1, 2, 4, 3}
	for _, i := range order {
		o := ends[i]
		clock.at(o.end)
		if _, err := rec.End(ctx, o.who, o.id); err != nil {
			t.Fatalf("end at +%s: %v", o.end, err)
		}
	}
}
