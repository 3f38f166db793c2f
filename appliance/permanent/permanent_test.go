package permanent_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/consultation"
	"github.com/buergerbuero/buergerbuero/appliance/permanent"
	"github.com/buergerbuero/buergerbuero/appliance/staff"
	"github.com/buergerbuero/buergerbuero/appliance/store/storetest"
	"github.com/buergerbuero/buergerbuero/appliance/whiteboard"
)

var (
	anna = staff.Clerk{Login: "anna", DisplayName: "Anna", Role: staff.RoleClerk, Offices: []string{"bau"}}
	lea  = staff.Clerk{Login: "lea", DisplayName: "Lea", Role: staff.RoleLead, Offices: []string{"bau"}}
	otto = staff.Clerk{Login: "otto", DisplayName: "Otto", Role: staff.RoleLead, Offices: []string{"ausl"}}
)

type dir struct{}

func (dir) Citizen(context.Context, string, string, string) (string, string, error) {
	return "", "", errors.New("no citizens here")
}
func (dir) Clerk(login string) (staff.Clerk, bool) { return staff.Clerk{}, false }
func (dir) Confidential(string) bool               { return false }
func (dir) Concern(context.Context, string) (string, error) {
	return "", nil
}

// moderator records what the SFU was told.
type moderator struct {
	mu     sync.Mutex
	kicked []string
	muted  map[string]bool
}

func (m *moderator) Kick(room, identity string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.kicked = append(m.kicked, identity)
}

func (m *moderator) Mute(room, identity string, muted bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.muted[identity] = muted
}

type fixture struct {
	rooms *consultation.Service
	perm  *permanent.Service
	mod   *moderator
}

func newFixture(t *testing.T) *fixture { return newFixtureGrace(t, -1) }

func newFixtureGrace(t *testing.T, grace time.Duration) *fixture {
	t.Helper()
	db := storetest.Open(t, t.TempDir())
	rooms := consultation.New(db, consultation.Settings{MaxUpload: 1 << 20}, dir{}, nil)
	mod := &moderator{muted: map[string]bool{}}
	return &fixture{rooms: rooms, perm: permanent.New(db, rooms, mod, permanent.Settings{EmptyGrace: grace}), mod: mod}
}

func (f *fixture) create(t *testing.T, keep bool) permanent.Room {
	t.Helper()
	r, err := f.perm.Create(context.Background(), consultation.Actor{Clerk: lea}, "bau", "Bauamt Besprechungsraum 1", keep)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// enter puts a member of staff into the room as the room page would.
func (f *fixture) enter(t *testing.T, roomID string, c staff.Clerk) (*permanent.Presence, consultation.Member) {
	t.Helper()
	_, m, err := f.rooms.RoomForClerk(context.Background(), consultation.Actor{Clerk: c}, roomID)
	if err != nil {
		t.Fatalf("%s enters: %v", c.Login, err)
	}
	p, err := f.perm.Enter(context.Background(), roomID, m)
	if err != nil {
		t.Fatalf("%s enters: %v", c.Login, err)
	}
	return p, m
}

// knockAndAdmit lets an external knock and a host admit them; it returns
// their session and member.
func (f *fixture) knockAndAdmit(t *testing.T, roomID, name string, host staff.Clerk) (string, consultation.Member) {
	t.Helper()
	ctx := context.Background()
	id, tok, err := f.perm.Knock(ctx, roomID, name)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := f.perm.Follow(roomID, id, tok); err != nil || st.State != "waiting" {
		t.Fatalf("before admission: %+v, %v", st, err)
	}
	if _, err := f.perm.Admit(ctx, consultation.Actor{Clerk: host}, roomID, id); err != nil {
		t.Fatalf("admit: %v", err)
	}
	st, err := f.perm.Follow(roomID, id, tok)
	if err != nil || st.State != "admitted" || st.Session == "" {
		t.Fatalf("after admission: %+v, %v", st, err)
	}
	if _, err := f.perm.Follow(roomID, id, tok); err == nil {
		t.Fatal("the session was handed out twice")
	}
	_, m, err := f.rooms.RoomForParticipant(ctx, roomID, st.Session)
	if err != nil {
		t.Fatalf("admitted session refused: %v", err)
	}
	return st.Session, m
}

func TestPermanentOnlyLeadsCreateAndStaffOfTheOfficeEnter(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.perm.Create(ctx, consultation.Actor{Clerk: anna}, "bau", "Raum", false); !errors.Is(err, permanent.ErrNotLead) {
		t.Fatalf("a clerk created a room: %v", err)
	}
	if _, err := f.perm.Create(ctx, consultation.Actor{Clerk: otto}, "bau", "Raum", false); !errors.Is(err, permanent.ErrNotLead) {
		t.Fatalf("a lead of another office created a room: %v", err)
	}
	r := f.create(t, false)
	if _, _, err := f.rooms.RoomForClerk(ctx, consultation.Actor{Clerk: anna}, r.ID); err != nil {
		t.Fatalf("staff of the office cannot enter: %v", err)
	}
	if _, _, err := f.rooms.RoomForClerk(ctx, consultation.Actor{Clerk: otto}, r.ID); err == nil {
		t.Fatal("staff of another office entered")
	}
}

func TestPermanentKnockAdmitRemove(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	r := f.create(t, false)
	// nobody inside: nobody may admit
	id, _, err := f.perm.Knock(ctx, r.ID, "Erika")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.perm.Admit(ctx, consultation.Actor{Clerk: anna}, r.ID, id); !errors.Is(err, permanent.ErrNotHost) {
		t.Fatalf("admitted from outside the room: %v", err)
	}
	f.enter(t, r.ID, anna)
	sess, m := f.knockAndAdmit(t, r.ID, "Karl", anna)
	gp, err := f.perm.Enter(ctx, r.ID, m)
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := f.perm.Public(ctx, r.ID); !st.Occupied || st.Count != 2 {
		t.Fatalf("status with two inside: %+v", st)
	}
	if err := f.perm.Remove(ctx, consultation.Actor{Clerk: anna}, r.ID, m.Identity); err != nil {
		t.Fatal(err)
	}
	select {
	case <-gp.Done():
	default:
		t.Fatal("the removed person's connection was not told")
	}
	if _, _, err := f.rooms.RoomForParticipant(ctx, r.ID, sess); err == nil {
		t.Fatal("the removed person's session still opens the room")
	}
	if !slices.Contains(f.mod.kicked, m.Identity) {
		t.Fatal("the SFU was not told to disconnect the removed person")
	}
	if err := f.perm.Remove(ctx, consultation.Actor{Clerk: anna}, r.ID, "anna"); !errors.Is(err, permanent.ErrRemoveStaff) {
		t.Fatalf("staff removed: %v", err)
	}
}

func TestPermanentMuteByHostsOnly(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	r := f.create(t, false)
	hp, host := f.enter(t, r.ID, anna)
	_, m := f.knockAndAdmit(t, r.ID, "Karl", anna)
	gp, err := f.perm.Enter(ctx, r.ID, m)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.perm.Mute(ctx, consultation.Actor{Clerk: lea}, r.ID, m.Identity, true); !errors.Is(err, permanent.ErrNotHost) {
		t.Fatalf("someone outside muted: %v", err)
	}
	if err := f.perm.Mute(ctx, consultation.Actor{Clerk: anna}, r.ID, m.Identity, true); err != nil {
		t.Fatal(err)
	}
	if !f.mod.muted[m.Identity] {
		t.Fatal("the SFU was not told to mute")
	}
	pr, _ := f.perm.Room(ctx, r.ID)
	if !f.perm.StateFor(pr, m).Muted {
		t.Fatal("the muted person is not told")
	}
	if st := f.perm.StateFor(pr, host); !st.Host || st.Muted {
		t.Fatalf("host's state: %+v", st)
	}
	// a reload does not lift the mute
	gp.Leave()
	gp, err = f.perm.Enter(ctx, r.ID, m)
	if err != nil {
		t.Fatal(err)
	}
	if !f.perm.StateFor(pr, m).Muted {
		t.Fatal("a reload lifted the mute")
	}
	// when the room is empty the SFU forgets the mute
	hp.Leave()
	gp.Leave()
	if f.mod.muted[m.Identity] {
		t.Fatal("the mute outlived the room's occupancy")
	}
}

func TestPermanentThirteenthIsRefused(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	r := f.create(t, false)
	for i := range permanent.MaxPeople {
		m := consultation.NewMember(consultation.RoleGuest, "g"+string(rune('a'+i)), "Gast")
		if _, err := f.perm.Enter(ctx, r.ID, m); err != nil {
			t.Fatalf("person %d: %v", i+1, err)
		}
	}
	if _, err := f.perm.Enter(ctx, r.ID, consultation.NewMember(consultation.RoleGuest, "thirteen", "Gast")); !errors.Is(err, permanent.ErrFull) {
		t.Fatalf("the 13th: %v", err)
	}
	// a second connection of someone inside is no new person
	if _, err := f.perm.Enter(ctx, r.ID, consultation.NewMember(consultation.RoleGuest, "ga", "Gast")); err != nil {
		t.Fatalf("a second tab: %v", err)
	}
}

func TestPermanentLastToLeaveEmptiesTheRoom(t *testing.T) {
	for _, keep := range []bool{false, true} {
		f := newFixture(t)
		ctx := context.Background()
		r := f.create(t, keep)
		p1, m1 := f.enter(t, r.ID, anna)
		p2, _ := f.enter(t, r.ID, lea)
		room, _ := f.rooms.Room(ctx, r.ID)
		if _, err := f.rooms.PostMessage(ctx, room, m1, "geheim", "c1"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.rooms.PostFile(ctx, room, m1, "plan.pdf", []byte("%PDF-1.4 plan"), "c2"); err != nil {
			t.Fatal(err)
		}
		stroke := whiteboard.Op{Type: whiteboard.OpAdd, ID: "s1", Item: &whiteboard.Item{Kind: whiteboard.KindStroke, Color: "red", Size: 2, Points: []whiteboard.Point{{0.1, 0.1}, {0.2, 0.3}}}}
		if _, _, err := f.rooms.Draw(ctx, room, m1, stroke); err != nil {
			t.Fatal(err)
		}
		p1.Leave()
		if ms, _ := f.rooms.Messages(ctx, r.ID, 0); len(ms) != 2 {
			t.Fatalf("keep=%v: content went while someone was inside: %d messages", keep, len(ms))
		}
		p2.Leave()
		ms, _ := f.rooms.Messages(ctx, r.ID, 0)
		var texts, files int
		for _, m := range ms {
			if m.File != nil {
				files++
			} else {
				texts++
			}
		}
		if texts != 0 || (keep && files != 1) || (!keep && files != 0) {
			t.Fatalf("keep=%v: after the last left %d chat messages and %d files stay", keep, texts, files)
		}
		if st, _ := f.perm.Public(ctx, r.ID); st.Occupied {
			t.Fatalf("keep=%v: still occupied", keep)
		}
		if snap, err := f.rooms.Whiteboard(ctx, room, m1); err != nil || len(snap.Items) != 0 {
			t.Fatalf("keep=%v: the whiteboard stays after the last left: %+v, %v", keep, snap, err)
		}
	}
}

func TestPermanentAdmitAllStopsAtTwelve(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	r := f.create(t, false)
	f.enter(t, r.ID, anna)
	for i := range 12 {
		if _, _, err := f.perm.Knock(ctx, r.ID, "Gast "+string(rune('A'+i))); err != nil {
			t.Fatal(err)
		}
	}
	n, err := f.perm.Admit(ctx, consultation.Actor{Clerk: anna}, r.ID, "")
	if n != 11 || !errors.Is(err, permanent.ErrFull) {
		t.Fatalf("admit all: %d, %v", n, err)
	}
	pr, _ := f.perm.Room(ctx, r.ID)
	_, host, _ := f.rooms.RoomForClerk(ctx, consultation.Actor{Clerk: anna}, r.ID)
	if l := f.perm.StateFor(pr, host).Lobby; len(l) != 1 {
		t.Fatalf("%d knocks left in the lobby, want 1", len(l))
	}
}

// TestPermanentReloadWithinTheGraceKeepsTheChat: the last person's reload
// (back within EmptyGrace) empties nothing; leaving for good does, once
// the grace has passed.
func TestPermanentReloadWithinTheGraceKeepsTheChat(t *testing.T) {
	const grace = 300 * time.Millisecond
	f := newFixtureGrace(t, grace)
	ctx := context.Background()
	r := f.create(t, false)
	p, m := f.enter(t, r.ID, anna)
	room, _ := f.rooms.Room(ctx, r.ID)
	if _, err := f.rooms.PostMessage(ctx, room, m, "bleibt", "c1"); err != nil {
		t.Fatal(err)
	}
	p.Leave()
	p, _ = f.enter(t, r.ID, anna) // the reload
	time.Sleep(2 * grace)         // the grace runs out while she is back
	if ms, _ := f.rooms.Messages(ctx, r.ID, 0); len(ms) != 1 {
		t.Fatalf("a reload emptied the room: %d messages", len(ms))
	}
	p.Leave()
	deadline := time.Now().Add(5 * time.Second)
	for {
		ms, _ := f.rooms.Messages(ctx, r.ID, 0)
		if len(ms) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the chat stayed after the last left for good")
		}
		time.Sleep(20 * time.Millisecond) // polling the store for the test's condition
	}
}

// TestPermanentShutdownWithinTheGraceEmptiesTheRoom: the appliance
// stopping while the last person's grace runs does not leave the chat
// behind; Close empties the room before the store goes away.
func TestPermanentShutdownWithinTheGraceEmptiesTheRoom(t *testing.T) {
	f := newFixtureGrace(t, time.Hour)
	ctx := context.Background()
	r := f.create(t, false)
	p, m := f.enter(t, r.ID, anna)
	room, _ := f.rooms.Room(ctx, r.ID)
	if _, err := f.rooms.PostMessage(ctx, room, m, "geht mit", "c1"); err != nil {
		t.Fatal(err)
	}
	p.Leave()
	if ms, _ := f.rooms.Messages(ctx, r.ID, 0); len(ms) != 1 {
		t.Fatalf("emptied before the grace: %d messages", len(ms))
	}
	f.perm.Close()
	if ms, _ := f.rooms.Messages(ctx, r.ID, 0); len(ms) != 0 {
		t.Fatalf("the chat stayed after shutdown: %d messages", len(ms))
	}
}

// TestPermanentUncollectedAdmissionLapses: an admitted knock whose page
// was closed no longer holds a place after a while.
func TestPermanentUncollectedAdmissionLapses(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	now := time.Now()
	f.perm.SetClock(func() time.Time { return now })
	r := f.create(t, false)
	f.enter(t, r.ID, anna)
	id, tok, err := f.perm.Knock(ctx, r.ID, "Karl")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.perm.Admit(ctx, consultation.Actor{Clerk: anna}, r.ID, id); err != nil {
		t.Fatal(err)
	}
	now = now.Add(3 * time.Minute)
	if _, err := f.perm.Follow(r.ID, id, tok); !errors.Is(err, permanent.ErrKnockGone) {
		t.Fatalf("an admission collected after three minutes: %v", err)
	}
}
