package reception_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/problem"
	"github.com/buergerbuero/buergerbuero/appliance/reception"
	"github.com/buergerbuero/buergerbuero/appliance/staff"
	"github.com/buergerbuero/buergerbuero/appliance/store"
	"github.com/buergerbuero/buergerbuero/appliance/store/storetest"
)

var berlin, _ = time.LoadLocation("Europe/Berlin")

type fixture struct {
	db    *store.DB
	svc   *reception.Service
	clock time.Time
	mu    sync.Mutex
	dir   string
}

func (f *fixture) now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.clock
}

func (f *fixture) advance(d time.Duration) {
	f.mu.Lock()
	f.clock = f.clock.Add(d)
	f.mu.Unlock()
}

var clerkAnna = staff.Clerk{Login: "anna", DisplayName: "Anna", Role: staff.RoleClerk, Offices: []string{"bauamt", "buergerbuero"}, Presence: staff.PresenceAvailable}
var clerkBen = staff.Clerk{Login: "ben", DisplayName: "Ben", Role: staff.RoleClerk, Offices: []string{"bauamt", "buergerbuero"}, Presence: staff.PresenceAvailable}

// newFixture opens a real store (SQLite, or PostgreSQL when the run asks
// for it: storetest) with two offices: the Bauamt
// (Mon–Fri 08:00–12:00) and an always-open Bürgerbüro.
func newFixture(t *testing.T, start time.Time, dir string, mutate func(*reception.Settings)) *fixture {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	ctx := context.Background()
	db := storetest.Open(t, dir)
	week := map[string][]string{"mon": {"08:00-12:00"}, "tue": {"08:00-12:00"}, "wed": {"08:00-12:00"}, "thu": {"08:00-12:00"}, "fri": {"08:00-12:00"}}
	all := map[string][]string{}
	for _, d := range []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"} {
		all[d] = []string{"00:00-24:00"}
	}
	for i, o := range []reception.Office{
		{ID: "bauamt", Name: "Bauamt", Prefix: "BA", Chairs: 2, Languages: []string{"de", "en"}, Hours: week},
		{ID: "buergerbuero", Name: "Bürgerbüro", Prefix: "B", Chairs: 2, Languages: []string{"de"}, Hours: all, IgnoreHolidays: true},
	} {
		o.Position = i
		if err := db.UpsertOffice(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	set := reception.Settings{State: "HE", Loc: berlin, GracePeriod: 2 * time.Minute, CalledTimeout: 3 * time.Minute, MaxQueue: 50,
		DefaultHandling: 10 * time.Minute, KnockBurst: 1000, KnockPer: time.Minute, Retention: reception.Retention{Personal: 24 * time.Hour}, MaxUpload: 1 << 20}
	if mutate != nil {
		mutate(&set)
	}
	f := &fixture{db: db, clock: start, dir: dir}
	f.svc = reception.New(db, db, set, nil, nil)
	f.svc.SetClock(f.now)
	if err := f.svc.Start(ctx, []staff.Clerk{clerkAnna, clerkBen}); err != nil {
		t.Fatal(err)
	}
	return f
}

func knock(t *testing.T, f *fixture, office, concern string) reception.KnockResult {
	t.Helper()
	r, err := f.svc.Knock(context.Background(), office, reception.KnockRequest{Concern: concern, Language: "de", Client: "192.0.2.1"})
	if err != nil {
		t.Fatalf("knock at %s: %v", office, err)
	}
	return r
}

func monday(h, m int) time.Time { return time.Date(2026, 11, 23, h, m, 0, 0, berlin) }

func TestIntakeFollowsOpeningHours(t *testing.T) {
	cases := []struct {
		name string
		at   time.Time
		want error
	}{
		{"open", monday(9, 0), nil},
		{"before opening", monday(7, 59), reception.ErrClosed},
		{"after closing", monday(12, 0), reception.ErrClosed},
		{"estimate would run past closing", monday(11, 56), reception.ErrClosingSoon},
		{"consultation still fits", monday(11, 54), nil},
		{"Saturday", time.Date(2026, 11, 28, 9, 0, 0, 0, berlin), reception.ErrClosed},
		{"holiday in Hessen (Christmas)", time.Date(2026, 12, 25, 9, 0, 0, 0, berlin), reception.ErrClosed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, c.at, "", nil)
			_, err := f.svc.Knock(context.Background(), "bauamt", reception.KnockRequest{Concern: "Bauantrag Garage", Language: "de"})
			if !errors.Is(err, c.want) && !(c.want == nil && err == nil) {
				t.Fatalf("knock at %s: %v, want %v", c.at, err, c.want)
			}
			st, _ := f.svc.OfficeStatus("bauamt")
			if st.Accepting == (c.want != nil) && c.want != nil {
				t.Fatalf("office status says accepting=%v", st.Accepting)
			}
		})
	}
}

func TestKnockValidation(t *testing.T) {
	f := newFixture(t, monday(9, 0), "", nil)
	for _, c := range []struct {
		req   reception.KnockRequest
		field string
	}{
		{reception.KnockRequest{Concern: "  a "}, "concern"},
		{reception.KnockRequest{Concern: strings.Repeat("ä", 501)}, "concern"},
		{reception.KnockRequest{Concern: "Ausweis", Name: strings.Repeat("x", 81)}, "name"},
		{reception.KnockRequest{Concern: "Ausweis", Language: "deutsch"}, "language"},
	} {
		_, err := f.svc.Knock(context.Background(), "bauamt", c.req)
		p, ok := problem.As(err)
		if !ok || p.Kind != problem.KindInvalid || p.Field != c.field || p.Key() == "error.invalid" {
			t.Errorf("knock %+v: %v, want invalid %s with a specific message", c.req, err, c.field)
		}
	}
	if _, err := f.svc.Knock(context.Background(), "nowhere", reception.KnockRequest{Concern: "Ausweis"}); !errors.Is(err, reception.ErrOfficeNotFound) {
		t.Errorf("unknown office: %v", err)
	}
}

func TestPlacesAndForwardKeepsKnockTime(t *testing.T) {
	f := newFixture(t, monday(9, 0), "", nil)
	ctx := context.Background()
	first := knock(t, f, "buergerbuero", "Personalausweis")
	f.advance(time.Minute)
	second := knock(t, f, "bauamt", "Bauantrag")
	f.advance(time.Minute)
	third := knock(t, f, "bauamt", "Abstandsflächen")
	if second.View.Place != 1 || third.View.Place != 2 {
		t.Fatalf("places %d, %d", second.View.Place, third.View.Place)
	}
	if third.View.EstimateSeconds <= second.View.EstimateSeconds && second.View.EstimateSeconds == 0 {
		t.Fatalf("estimates do not grow with place: %d, %d", second.View.EstimateSeconds, third.View.EstimateSeconds)
	}
	a := reception.Actor{Clerk: clerkAnna}
	if _, err := f.svc.Admit(ctx, a, first.Ticket.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Forward(ctx, a, first.Ticket.ID, "bauamt", "", "Bitte Bauantrag prüfen"); err != nil {
		t.Fatal(err)
	}
	// knocked first, so first in the Bauamt's line
	v, _ := f.svc.TicketView(ctx, first.Ticket.ID, first.Token)
	if v.State != reception.StateForwarded || v.Place != 1 || v.OfficeID != "bauamt" || v.ForwardedFrom != "Bürgerbüro" {
		t.Fatalf("forwarded ticket: %+v", v)
	}
	v2, _ := f.svc.TicketView(ctx, second.Ticket.ID, second.Token)
	if v2.Place != 2 {
		t.Fatalf("the Bauamt's first citizen moved to place %d, want 2", v2.Place)
	}
	st, _ := f.svc.StaffTicket(ctx, reception.Actor{Clerk: clerkBen}, first.Ticket.Number)
	if st.ForwardNote != "Bitte Bauantrag prüfen" {
		t.Fatalf("forward note lost: %+v", st)
	}
	// another clerk's view never contains another citizen's data
	if v2.Concern != "Bauantrag" || v2.Name != "" {
		t.Fatalf("view: %+v", v2)
	}
}

func TestOneConsultationPerClerkAndReturnKeepsPlace(t *testing.T) {
	f := newFixture(t, monday(9, 0), "", nil)
	ctx := context.Background()
	a := reception.Actor{Clerk: clerkAnna}
	x := knock(t, f, "bauamt", "eins")
	f.advance(time.Second)
	y := knock(t, f, "bauamt", "zwei")
	if _, err := f.svc.Admit(ctx, a, x.Ticket.Number); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Admit(ctx, a, y.Ticket.Number); !errors.Is(err, reception.ErrBusy) {
		t.Fatalf("second parallel admission: %v", err)
	}
	if _, err := f.svc.Return(ctx, a, x.Ticket.Number); err != nil {
		t.Fatal(err)
	}
	v, _ := f.svc.TicketView(ctx, x.Ticket.ID, x.Token)
	if v.State != reception.StateReturned || v.Place != 1 {
		t.Fatalf("returned ticket: %+v", v)
	}
}

func TestDeclineShowsMessageAndLeave(t *testing.T) {
	f := newFixture(t, monday(9, 0), "", nil)
	ctx := context.Background()
	x := knock(t, f, "bauamt", "eins")
	if _, err := f.svc.Decline(ctx, reception.Actor{Clerk: clerkAnna}, x.Ticket.ID, "Bitte wenden Sie sich an das Ordnungsamt."); err != nil {
		t.Fatal(err)
	}
	v, _ := f.svc.TicketView(ctx, x.Ticket.ID, x.Token)
	if v.State != reception.StateDeclined || v.Message != "Bitte wenden Sie sich an das Ordnungsamt." {
		t.Fatalf("declined: %+v", v)
	}
	y := knock(t, f, "bauamt", "zwei")
	if err := f.svc.Leave(ctx, y.Ticket.ID, "wrong-token"); !errors.Is(err, reception.ErrBadToken) {
		t.Fatalf("leave with a wrong token: %v", err)
	}
	if err := f.svc.Leave(ctx, y.Ticket.ID, y.Token); err != nil {
		t.Fatal(err)
	}
	if st, _ := f.svc.OfficeStatus("bauamt"); st.Waiting != 0 {
		t.Fatalf("still %d waiting", st.Waiting)
	}
}

type watcher struct{}

func (watcher) Update(reception.View) {}

func TestGracePeriodThenAbandoned(t *testing.T) {
	f := newFixture(t, monday(9, 0), "", nil)
	ctx := context.Background()
	kept := knock(t, f, "bauamt", "bleibt")
	lost := knock(t, f, "bauamt", "geht")
	// kept has a live connection; lost never connects
	f.svc.Hub.Subscribe(kept.Ticket.ID, watcher{})
	f.svc.Connected(ctx, kept.Ticket.ID)
	f.advance(time.Minute)
	if err := f.svc.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if v, _ := f.svc.TicketView(ctx, lost.Ticket.ID, lost.Token); v.State != reception.StateWaiting {
		t.Fatalf("abandoned within the grace period: %s", v.State)
	}
	f.advance(90 * time.Second)
	if err := f.svc.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if v, _ := f.svc.TicketView(ctx, lost.Ticket.ID, lost.Token); v.State != reception.StateAbandoned {
		t.Fatalf("after the grace period: %s", v.State)
	}
	if v, _ := f.svc.TicketView(ctx, kept.Ticket.ID, kept.Token); v.State != reception.StateWaiting || v.Place != 1 {
		t.Fatalf("connected citizen: %+v", v)
	}
}

func TestRestartKeepsQueueAndGivesFreshGrace(t *testing.T) {
	dir := t.TempDir()
	f := newFixture(t, monday(9, 0), dir, nil)
	var tickets []reception.KnockResult
	for i := 0; i < 10; i++ {
		f.advance(time.Second)
		tickets = append(tickets, knock(t, f, "bauamt", "Anliegen"))
	}
	f.db.Close()
	// the server was down for 5 minutes, longer than the grace period
	g := newFixture(t, f.now().Add(5*time.Minute), dir, nil)
	if err := g.svc.Sweep(context.Background()); err != nil {
		t.Fatal(err)
	}
	for i, k := range tickets {
		v, err := g.svc.TicketView(context.Background(), k.Ticket.ID, k.Token)
		if err != nil || v.State != reception.StateWaiting || v.Place != i+1 {
			t.Fatalf("ticket %d after restart: %+v, %v", i, v, err)
		}
	}
}

func TestQueueFullAndRateLimit(t *testing.T) {
	f := newFixture(t, monday(9, 0), "", func(s *reception.Settings) { s.MaxQueue = 2; s.KnockBurst = 3 })
	ctx := context.Background()
	req := reception.KnockRequest{Concern: "Anliegen", Client: "198.51.100.7"}
	for i := 0; i < 2; i++ {
		if _, err := f.svc.Knock(ctx, "bauamt", req); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.svc.Knock(ctx, "bauamt", req); !errors.Is(err, reception.ErrQueueFull) {
		t.Fatalf("third knock: %v", err)
	}
	f.svc.Knock(ctx, "buergerbuero", req)
	if _, err := f.svc.Knock(ctx, "buergerbuero", req); !errors.Is(err, reception.ErrRateLimited) {
		t.Fatalf("fifth knock from one address: %v", err)
	}
	req.Client = "198.51.100.8"
	if _, err := f.svc.Knock(ctx, "buergerbuero", req); err != nil {
		t.Fatalf("another address: %v", err)
	}
}

func TestCalledButNeverCameIsReturnedWithItsPlace(t *testing.T) {
	f := newFixture(t, monday(9, 0), "", nil)
	ctx := context.Background()
	a := reception.Actor{Clerk: clerkAnna}
	x := knock(t, f, "bauamt", "eins")
	f.advance(time.Second)
	y := knock(t, f, "bauamt", "zwei")
	// both keep their waiting page open, so neither is abandoned
	for _, k := range []reception.KnockResult{x, y} {
		f.svc.Hub.Subscribe(k.Ticket.ID, watcher{})
		f.svc.Connected(ctx, k.Ticket.ID)
	}
	if _, err := f.svc.Admit(ctx, a, x.Ticket.ID); err != nil {
		t.Fatal(err)
	}
	f.advance(2 * time.Minute)
	if err := f.svc.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if v, _ := f.svc.TicketView(ctx, x.Ticket.ID, x.Token); v.State != reception.StateCalled {
		t.Fatalf("returned before the called timeout: %s", v.State)
	}
	f.advance(2 * time.Minute)
	if err := f.svc.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	v, _ := f.svc.TicketView(ctx, x.Ticket.ID, x.Token)
	if v.State != reception.StateReturned || v.Place != 1 {
		t.Fatalf("after the called timeout: %+v", v)
	}
	// the clerk is free to admit the next citizen
	if _, err := f.svc.Admit(ctx, a, y.Ticket.ID); err != nil {
		t.Fatalf("clerk still busy: %v", err)
	}
}

// A citizen who hangs up ends the consultation: the ticket is ended (not
// abandoned), the room closes, and the clerk is free for the next one.
func TestCitizenHangsUpEndsConsultation(t *testing.T) {
	f := newFixture(t, monday(9, 0), "", nil)
	ctx := context.Background()
	var closed []string
	f.svc.RoomEnded = func(room string) { closed = append(closed, room) }
	a := reception.Actor{Clerk: clerkAnna}
	x := knock(t, f, "bauamt", "eins")
	y := knock(t, f, "bauamt", "zwei")
	st, err := f.svc.Admit(ctx, a, x.Ticket.Number)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Enter(ctx, x.Ticket.ID, x.Token); err != nil {
		t.Fatal(err)
	}
	f.advance(7 * time.Minute)
	if err := f.svc.Leave(ctx, x.Ticket.ID, x.Token); err != nil {
		t.Fatalf("hang up: %v", err)
	}
	v, _ := f.svc.TicketView(ctx, x.Ticket.ID, x.Token)
	if v.State != reception.StateEnded {
		t.Fatalf("after hanging up the ticket is %s, want ended", v.State)
	}
	if len(closed) != 1 || closed[0] != st.RoomID {
		t.Fatalf("rooms closed: %v, want [%s]", closed, st.RoomID)
	}
	if _, _, err := f.svc.Rooms.RoomForCitizen(ctx, st.RoomID, x.Ticket.ID, x.Token); err == nil {
		t.Fatal("the citizen still gets into the room after hanging up")
	}
	if _, err := f.svc.Admit(ctx, a, y.Ticket.Number); err != nil {
		t.Fatalf("the clerk is not free for the next citizen: %v", err)
	}
}
