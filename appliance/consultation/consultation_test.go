package consultation_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/consultation"
	"github.com/buergerbuero/buergerbuero/appliance/problem"
	"github.com/buergerbuero/buergerbuero/appliance/reception"
	"github.com/buergerbuero/buergerbuero/appliance/staff"
	"github.com/buergerbuero/buergerbuero/appliance/store"
	"github.com/buergerbuero/buergerbuero/appliance/store/storetest"
)

var (
	anna = staff.Clerk{Login: "anna", DisplayName: "Anna", Role: staff.RoleClerk, Offices: []string{"amt"}, Presence: staff.PresenceAvailable}
	ben  = staff.Clerk{Login: "ben", DisplayName: "Ben", Role: staff.RoleClerk, Offices: []string{"amt"}, Presence: staff.PresenceAvailable}
	lea  = staff.Clerk{Login: "lea", DisplayName: "Lea", Role: staff.RoleLead, Offices: []string{"amt"}, Presence: staff.PresenceAvailable}
)

// fixture is a real store and reception with one always-open office, and a
// consultation Anna admitted a citizen to.
type fixture struct {
	db     *store.DB
	rec    *reception.Service
	rooms  *consultation.Service
	room   consultation.Room
	ticket reception.KnockResult
}

func newFixture(t *testing.T, keepContent bool) *fixture {
	t.Helper()
	ctx := context.Background()
	db := storetest.Open(t, t.TempDir())
	all := map[string][]string{}
	for _, d := range []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"} {
		all[d] = []string{"00:00-24:00"}
	}
	o := reception.Office{ID: "amt", Name: "Amt", Prefix: "A", Chairs: 2, Languages: []string{"de"}, Hours: all, IgnoreHolidays: true}
	if keepContent {
		o.Retention = &reception.Retention{Content: time.Hour, Personal: time.Hour}
	}
	if err := db.UpsertOffice(ctx, o); err != nil {
		t.Fatal(err)
	}
	rec := reception.New(db, db, reception.Settings{State: "HE", MaxQueue: 10, KnockBurst: 100, KnockPer: time.Minute, MaxUpload: 1 << 10}, nil, nil)
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
		t.Fatalf("the admitted ticket has no room: %v", err)
	}
	return &fixture{db: db, rec: rec, rooms: rec.Rooms, room: room, ticket: k}
}

func code(err error) string {
	if p, ok := problem.As(err); ok {
		return p.Code
	}
	return ""
}

// TestAdmissionOpensAConsultationRoom: the room the admission created is a
// consultation of the ticket, held by the admitting clerk.
func TestAdmissionOpensAConsultationRoom(t *testing.T) {
	f := newFixture(t, false)
	if f.room.Kind != consultation.KindConsultation || f.room.TicketID != f.ticket.Ticket.ID || f.room.Clerk != "anna" || f.room.OfficeID != "amt" {
		t.Fatalf("room %+v", f.room)
	}
}

// TestDefaultRightsKeepEverythingAllowed: clerk, citizen and interpreter may
// chat, upload and download as before roles existed.
func TestDefaultRightsKeepEverythingAllowed(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, true)
	_, citizen, err := f.rooms.RoomForCitizen(ctx, f.room.ID, f.ticket.Ticket.ID, f.ticket.Token)
	if err != nil {
		t.Fatal(err)
	}
	_, clerk, err := f.rooms.RoomForClerk(ctx, consultation.Actor{Clerk: anna}, f.room.ID)
	if err != nil {
		t.Fatal(err)
	}
	inv, _, err := f.rooms.CreateInvite(ctx, consultation.Actor{Clerk: anna}, f.room.ID, consultation.RoleInterpreter, "tr", "")
	if err != nil {
		t.Fatal(err)
	}
	sess, _, err := f.rooms.RedeemInvite(ctx, inv)
	if err != nil {
		t.Fatal(err)
	}
	_, interp, err := f.rooms.RoomForParticipant(ctx, f.room.ID, sess)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []consultation.Member{citizen, clerk, interp} {
		if _, err := f.rooms.PostMessage(ctx, f.room, m, "Hallo von "+m.Role, ""); err != nil {
			t.Errorf("%s may not chat: %v", m.Role, err)
		}
		msg, err := f.rooms.PostFile(ctx, f.room, m, "a.txt", []byte("von "+m.Role), "")
		if err != nil {
			t.Fatalf("%s may not upload: %v", m.Role, err)
		}
		for _, reader := range []consultation.Member{citizen, clerk, interp} {
			if got, err := f.rooms.File(ctx, f.room, reader, msg.File.ID); err != nil || string(got.Data) != "von "+m.Role {
				t.Errorf("%s downloading %s's file: %q, %v", reader.Role, m.Role, got.Data, err)
			}
		}
	}
	if citizen.Name != "Erika" || citizen.Identity != f.ticket.Ticket.Number {
		t.Errorf("citizen member %+v", citizen)
	}
}

// TestRightsAreEnforced: a member without chat, upload or download rights
// gets forbidden_by_role, and nothing is stored.
func TestRightsAreEnforced(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, true)
	_, m, err := f.rooms.RoomForCitizen(ctx, f.room.ID, f.ticket.Ticket.ID, f.ticket.Token)
	if err != nil {
		t.Fatal(err)
	}
	_, clerk, _ := f.rooms.RoomForClerk(ctx, consultation.Actor{Clerk: anna}, f.room.ID)
	shared, err := f.rooms.PostFile(ctx, f.room, clerk, "formular.pdf", []byte("%PDF-1.4"), "")
	if err != nil {
		t.Fatal(err)
	}
	m.Rights.Chat, m.Rights.Upload, m.Rights.Download = false, false, false
	if _, err := f.rooms.PostMessage(ctx, f.room, m, "Hallo", ""); code(err) != "forbidden_by_role" || !errors.Is(err, problem.ErrForbidden) {
		t.Errorf("chat without the right: %v", err)
	}
	if _, err := f.rooms.PostFile(ctx, f.room, m, "a.txt", []byte("x"), ""); code(err) != "forbidden_by_role" {
		t.Errorf("upload without the right: %v", err)
	}
	if _, err := f.rooms.File(ctx, f.room, m, shared.File.ID); code(err) != "forbidden_by_role" {
		t.Errorf("download without the right: %v", err)
	}
	if msgs, _ := f.rooms.Messages(ctx, f.room.ID, 0); len(msgs) != 1 {
		t.Errorf("%d messages stored, want only the clerk's file", len(msgs))
	}
}

// TestParticipantsOnly: a colleague of the office does not see the room
// until added; a lead joins visibly.
func TestParticipantsOnly(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, true)
	if _, _, err := f.rooms.RoomForClerk(ctx, consultation.Actor{Clerk: ben}, f.room.ID); !errors.Is(err, consultation.ErrNotParticipant) {
		t.Fatalf("a colleague not taking part: %v", err)
	}
	if _, err := f.rooms.JoinRoom(ctx, consultation.Actor{Clerk: ben}, f.room.ID); !errors.Is(err, consultation.ErrJoinNotAllowed) {
		t.Errorf("a clerk joining: %v", err)
	}
	if _, err := f.rooms.AddColleague(ctx, consultation.Actor{Clerk: anna}, f.room.ID, "ben"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.rooms.RoomForClerk(ctx, consultation.Actor{Clerk: ben}, f.room.ID); err != nil {
		t.Errorf("an added colleague: %v", err)
	}
	r, err := f.rooms.JoinRoom(ctx, consultation.Actor{Clerk: lea}, f.room.ID)
	if err != nil || len(r.Members) != 2 {
		t.Fatalf("lead joins: %+v, %v", r, err)
	}
	msgs, _ := f.rooms.Messages(ctx, f.room.ID, 0)
	var keys []string
	for _, m := range msgs {
		if m.Notice != nil {
			keys = append(keys, m.Notice.Key)
		}
	}
	if len(keys) != 2 || keys[0] != consultation.NoticeAdded || keys[1] != consultation.NoticeLeadJoined {
		t.Errorf("notices %v", keys)
	}
}

// TestInviteIsSingleUseAndVoidWhenTheRoomCloses: an invite works once; the
// end of the consultation voids the session, and an office keeping no
// content loses the chat at once.
func TestInviteIsSingleUseAndVoidWhenTheRoomCloses(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, false)
	a := consultation.Actor{Clerk: anna}
	inv, _, err := f.rooms.CreateInvite(ctx, a, f.room.ID, consultation.RoleGuest, "", "")
	if err != nil {
		t.Fatal(err)
	}
	sess, p, err := f.rooms.RedeemInvite(ctx, inv)
	if err != nil || p.Role != consultation.RoleGuest {
		t.Fatalf("redeem: %+v, %v", p, err)
	}
	if _, _, err := f.rooms.RedeemInvite(ctx, inv); !errors.Is(err, consultation.ErrInviteInvalid) {
		t.Errorf("second redemption: %v", err)
	}
	if _, err := f.rec.End(ctx, a, f.ticket.Ticket.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.rooms.RoomForParticipant(ctx, f.room.ID, sess); !errors.Is(err, problem.ErrForbidden) {
		t.Errorf("the guest after the end: %v", err)
	}
	if _, _, err := f.rooms.RoomForCitizen(ctx, f.room.ID, f.ticket.Ticket.ID, f.ticket.Token); err == nil {
		t.Error("the citizen still enters the ended room")
	}
	if msgs, _ := f.rooms.Messages(ctx, f.room.ID, 0); len(msgs) != 0 {
		t.Errorf("%d messages left after the end", len(msgs))
	}
}
