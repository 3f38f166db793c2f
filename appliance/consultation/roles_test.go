package consultation_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/consultation"
	"github.com/buergerbuero/buergerbuero/appliance/problem"
	"github.com/buergerbuero/buergerbuero/appliance/reception"
	"github.com/buergerbuero/buergerbuero/appliance/staff"
	"github.com/buergerbuero/buergerbuero/appliance/store/storetest"
)

func reason(err error) string {
	if p, ok := problem.As(err); ok {
		return p.Reason
	}
	return ""
}

// TestRoleDefaultsMatrix: the documented defaults (docs/roles.md).
func TestRoleDefaultsMatrix(t *testing.T) {
	want := map[string]string{
		consultation.RoleClerk:              "camera microphone screen chat download upload see_concern",
		consultation.RoleCitizen:            "camera microphone screen chat download upload see_concern",
		consultation.RoleInterpreter:        "camera microphone screen chat download upload",
		consultation.RoleSignInterpreter:    "camera microphone chat",
		consultation.RoleWrittenInterpreter: "microphone chat",
		consultation.RoleGuardian:           "camera microphone chat download see_concern",
		consultation.RoleLawyer:             "camera microphone screen chat download upload see_concern",
		consultation.RoleAuthority:          "camera microphone screen chat download upload",
		consultation.RoleGuest:              "camera microphone screen chat download upload",
		"stranger":                          "",
	}
	for role, rights := range want {
		if got := strings.Join(consultation.DefaultRights(role).Names(), " "); got != rights {
			t.Errorf("%s: %q, want %q", role, got, rights)
		}
	}
	if _, err := consultation.ParseRights([]string{"chat", "fax"}); err == nil || !strings.Contains(err.Error(), "fax") {
		t.Errorf("unknown right: %v", err)
	}
}

// rolesFixture is newFixture with an office policy: guardians in "amt"
// may chat and nothing else.
func rolesFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	db := storetest.Open(t, t.TempDir())
	all := map[string][]string{}
	for _, d := range []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"} {
		all[d] = []string{"00:00-24:00"}
	}
	o := reception.Office{ID: "amt", Name: "Amt", Prefix: "A", Chairs: 2, Languages: []string{"de"}, Hours: all, IgnoreHolidays: true,
		Retention: &reception.Retention{Content: time.Hour, Personal: time.Hour}}
	if err := db.UpsertOffice(ctx, o); err != nil {
		t.Fatal(err)
	}
	policy := consultation.Policy{Offices: map[string]map[string]consultation.Rights{"amt": {consultation.RoleGuardian: {Chat: true}}}}
	rec := reception.New(db, db, reception.Settings{State: "HE", MaxQueue: 10, KnockBurst: 100, KnockPer: time.Minute, MaxUpload: 1 << 10, Roles: policy}, nil, nil)
	if err := rec.Start(ctx, []staff.Clerk{anna, ben, lea}); err != nil {
		t.Fatal(err)
	}
	k, err := rec.Knock(ctx, "amt", reception.KnockRequest{Concern: "Bauantrag", Name: "Erika", Language: "de", Client: "192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := rec.Admit(ctx, reception.Actor{Clerk: anna}, k.Ticket.ID)
	if err != nil {
		t.Fatal(err)
	}
	room, err := rec.Rooms.Room(ctx, st.RoomID)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{db: db, rec: rec, rooms: rec.Rooms, room: room, ticket: k}
}

func join(t *testing.T, f *fixture, role, lang, who string) consultation.Member {
	t.Helper()
	ctx := context.Background()
	inv, _, err := f.rooms.CreateInvite(ctx, consultation.Actor{Clerk: anna}, f.room.ID, role, lang, who)
	if err != nil {
		t.Fatalf("invite %s: %v", role, err)
	}
	sess, _, err := f.rooms.RedeemInvite(ctx, inv)
	if err != nil {
		t.Fatal(err)
	}
	_, m, err := f.rooms.RoomForParticipant(ctx, f.room.ID, sess)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestRoleRightsPerOfficeAreEnforced: a guardian in an office that allows
// only chat may chat but neither upload, download nor see the concern; a
// lawyer (default rights) may all of it; the member keeps role, name and
// language apart (no composed German label).
func TestRoleRightsPerOfficeAreEnforced(t *testing.T) {
	ctx := context.Background()
	f := rolesFixture(t)
	_, clerk, _ := f.rooms.RoomForClerk(ctx, consultation.Actor{Clerk: anna}, f.room.ID)
	shared, err := f.rooms.PostFile(ctx, f.room, clerk, "bescheid.pdf", []byte("%PDF-1.4"), "")
	if err != nil {
		t.Fatal(err)
	}
	g := join(t, f, consultation.RoleGuardian, "", "Petra Vogt")
	if g.Role != consultation.RoleGuardian || g.Name != "Petra Vogt" || g.Identity == g.Name || strings.Contains(g.Identity, "Vogt") {
		t.Errorf("guardian member %+v: want role and name apart, a pseudonym as identity", g)
	}
	if g.Rights != (consultation.Rights{Chat: true}) {
		t.Errorf("guardian rights in amt: %+v", g.Rights)
	}
	if _, err := f.rooms.PostMessage(ctx, f.room, g, "Guten Tag", ""); err != nil {
		t.Errorf("guardian chat: %v", err)
	}
	if _, err := f.rooms.PostFile(ctx, f.room, g, "a.pdf", []byte("%PDF-1.4"), ""); !errors.Is(err, consultation.ErrForbiddenByRole) {
		t.Errorf("guardian upload: %v", err)
	}
	if _, err := f.rooms.File(ctx, f.room, g, shared.File.ID); !errors.Is(err, consultation.ErrForbiddenByRole) {
		t.Errorf("guardian download: %v", err)
	}
	if c, err := f.rooms.Concern(ctx, f.room, g); !errors.Is(err, consultation.ErrForbiddenByRole) || c != "" {
		t.Errorf("guardian concern: %q, %v", c, err)
	}

	l := join(t, f, consultation.RoleLawyer, "", "")
	if c, err := f.rooms.Concern(ctx, f.room, l); err != nil || c != "Bauantrag" {
		t.Errorf("lawyer concern: %q, %v", c, err)
	}
	if got, err := f.rooms.File(ctx, f.room, l, shared.File.ID); err != nil || string(got.Data) != "%PDF-1.4" {
		t.Errorf("lawyer download: %v", err)
	}
	si := join(t, f, consultation.RoleSignInterpreter, "dgs", "")
	if si.Language != "dgs" || !si.Rights.Camera || si.Rights.Upload {
		t.Errorf("sign-language interpreter %+v", si)
	}
	if _, _, err := f.rooms.CreateInvite(ctx, consultation.Actor{Clerk: anna}, f.room.ID, "spy", "", ""); reason(err) != "role" {
		t.Errorf("invite with an unknown role: %v", err)
	}
	// the notices keep role, language and name as arguments
	msgs, _ := f.rooms.Messages(ctx, f.room.ID, 0)
	var joined int
	for _, m := range msgs {
		if m.Notice != nil && m.Notice.Key == consultation.NoticeJoined && m.Notice.Args["Role"] == consultation.RoleGuardian && m.Notice.Args["Who"] == "Petra Vogt" {
			joined++
		}
	}
	if joined != 1 {
		t.Errorf("joined notices of the guardian: %d", joined)
	}
}

// TestCaptionsOnlyByTheWrittenInterpreterAndGoneWithTheRoom: the written
// interpreter's lines reach every member (the line being typed, then
// final), others may not write, lines are bounded, and the end of the
// room drops them.
func TestCaptionsOnlyByTheWrittenInterpreterAndGoneWithTheRoom(t *testing.T) {
	ctx := context.Background()
	f := rolesFixture(t)
	w := join(t, f, consultation.RoleWrittenInterpreter, "de", "")
	_, citizen, err := f.rooms.RoomForCitizen(ctx, f.room.ID, f.ticket.Ticket.ID, f.ticket.Token)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.rooms.PostCaption(ctx, f.room, citizen, 1, "hallo", false); !errors.Is(err, consultation.ErrForbiddenByRole) {
		t.Errorf("citizen writing captions: %v", err)
	}
	c0, changed := f.rooms.Captions(f.room)
	if _, err := f.rooms.PostCaption(ctx, f.room, w, 1, "Guten Tag, ich", false); err != nil {
		t.Fatal(err)
	}
	select {
	case <-changed:
	default:
		t.Fatal("a reader waiting for captions was not woken")
	}
	if _, err := f.rooms.PostCaption(ctx, f.room, w, 1, "Guten Tag, ich bin Frau Schneider.", true); err != nil {
		t.Fatal(err)
	}
	c, _ := f.rooms.Captions(f.room)
	if c.Seq <= c0.Seq || len(c.Lines) != 1 || c.Lines[0].Text != "Guten Tag, ich bin Frau Schneider." || !c.Lines[0].Final {
		t.Fatalf("captions %+v", c)
	}
	if _, err := f.rooms.PostCaption(ctx, f.room, w, 2, strings.Repeat("x", consultation.MaxCaption+1), false); reason(err) != "too_long" {
		t.Errorf("an overlong line: %v", err)
	}
	for i := int64(2); i < 20; i++ {
		f.rooms.PostCaption(ctx, f.room, w, i, "Zeile", true)
	}
	if c, _ := f.rooms.Captions(f.room); len(c.Lines) > 6 {
		t.Errorf("%d lines kept", len(c.Lines))
	}
	_, changed = f.rooms.Captions(f.room)
	if _, err := f.rec.End(ctx, consultation.Actor{Clerk: anna}, f.ticket.Ticket.ID); err != nil {
		t.Fatal(err)
	}
	select {
	case <-changed:
	default:
		t.Error("readers were not woken by the end of the room")
	}
	r, _ := f.rooms.Room(ctx, f.room.ID)
	if _, err := f.rooms.PostCaption(ctx, r, w, 30, "nach dem Ende", false); !errors.Is(err, consultation.ErrRoomClosed) {
		t.Errorf("captions after the end: %v", err)
	}
}
