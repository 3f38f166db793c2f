package store_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/events"
	"github.com/buergerbuero/buergerbuero/appliance/problem"
	"github.com/buergerbuero/buergerbuero/appliance/reception"
	"github.com/buergerbuero/buergerbuero/appliance/staff"
)

type recordStage struct {
	mu    sync.Mutex
	calls []string
}

func (r *recordStage) stage(room, id string, audio, video bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	mode := "off"
	if audio {
		mode = "audio"
	}
	if video {
		mode += "+video"
	}
	r.calls = append(r.calls, id+":"+mode)
}

type lastState struct {
	mu sync.Mutex
	st *events.State
}

func (l *lastState) Update(s *events.State) { l.mu.Lock(); l.st = s; l.mu.Unlock() }
func (l *lastState) get() *events.State     { l.mu.Lock(); defer l.mu.Unlock(); return l.st }

// TestEventRules: an event's life with the SQLite store: staff of the
// office create it, viewers join anonymously, ask (bounded, rate-limited),
// moderators decide, hands go up, the stage is bounded, and listeners get
// each change from one snapshot.
func TestEventRules(t *testing.T) { forEachDialect(t, testEventRules) }

func testEventRules(t *testing.T, open opener) {
	ctx := context.Background()
	db := open()
	clerks := map[string]staff.Clerk{
		"anna": {Login: "anna", Offices: []string{"buergerbuero"}},
		"ben":  {Login: "ben", Offices: []string{"buergerbuero"}},
		"omar": {Login: "omar", Offices: []string{"bauamt"}},
	}
	now := time.Date(2026, 11, 30, 17, 0, 0, 0, time.UTC)
	rec := &recordStage{}
	svc := events.New(db, events.Settings{
		Clerk: func(_ context.Context, l string) (staff.Clerk, error) {
			if c, ok := clerks[l]; ok {
				return c, nil
			}
			return staff.Clerk{}, errors.New("unknown")
		},
		Stage: rec.stage,
		Now:   func() time.Time { return now },
	})
	code := func(err error) string {
		if p, ok := problem.As(err); ok {
			return p.Key()
		}
		return ""
	}
	draft := events.Draft{OfficeID: "buergerbuero", Title: "Bürgersprechstunde", Start: now, End: now.Add(time.Hour), Speakers: []string{"ben"}, StageSlots: 1}
	if _, err := svc.Create(ctx, clerks["omar"], draft); code(err) != "error.event_not_moderator" {
		t.Fatalf("clerk of another office creates: %v", err)
	}
	bad := draft
	bad.Speakers = []string{"omar"}
	if _, err := svc.Create(ctx, clerks["anna"], bad); code(err) != "error.invalid.event_speaker_unknown" {
		t.Fatalf("speaker from another office: %v", err)
	}
	bad = draft
	bad.End = bad.Start
	if _, err := svc.Create(ctx, clerks["anna"], bad); code(err) != "error.invalid.event_time" {
		t.Fatalf("empty time: %v", err)
	}
	e, err := svc.Create(ctx, clerks["anna"], draft)
	if err != nil {
		t.Fatal(err)
	}
	up, err := svc.Upcoming(ctx, "buergerbuero")
	if err != nil || len(up) != 1 || up[0].Title != "Bürgersprechstunde" || up[0].Speakers[0] != "ben" {
		t.Fatalf("upcoming: %v %+v", err, up)
	}

	// two external speakers fill the three places; a fourth is refused
	for range 2 {
		if _, _, err := svc.InviteSpeaker(ctx, clerks["anna"], e.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := svc.InviteSpeaker(ctx, clerks["anna"], e.ID); code(err) != "error.event_speakers_full" {
		t.Fatalf("fourth speaker: %v", err)
	}

	mod := &lastState{}
	unsub, err := svc.Hub.Subscribe(ctx, e.ID, mod)
	if err != nil {
		t.Fatal(err)
	}
	defer unsub()

	tok, v, err := svc.Join(ctx, e.ID)
	if err != nil || !strings.HasPrefix(v.ID, "v-") || len(tok) < 32 {
		t.Fatalf("join: %v %+v", err, v)
	}
	tok2, v2, _ := svc.Join(ctx, e.ID)
	if _, err := svc.Ask(ctx, e.ID, tok, strings.Repeat("x", events.MaxQuestion+1)); code(err) != "error.invalid.too_long" {
		t.Fatalf("long question: %v", err)
	}
	if _, err := svc.Ask(ctx, e.ID, "forged", "Hallo?"); code(err) != "error.event_session_invalid" {
		t.Fatalf("forged viewer: %v", err)
	}
	q, err := svc.Ask(ctx, e.ID, tok, "Wann wird die Brücke fertig?")
	if err != nil {
		t.Fatal(err)
	}
	if st := mod.get(); len(st.Moderation.Pending) != 1 || len(st.Public.Questions) != 0 {
		t.Fatalf("after ask: %+v", st)
	}
	for range events.QuestionBurst - 1 {
		if _, err := svc.Ask(ctx, e.ID, tok, "noch eine Frage"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.Ask(ctx, e.ID, tok, "zu viele"); code(err) != "error.event_questions_rate" {
		t.Fatalf("burst: %v", err)
	}
	if _, err := svc.Moderate(ctx, clerks["omar"], e.ID, q.ID, true); code(err) != "error.event_not_moderator" {
		t.Fatalf("outsider moderates: %v", err)
	}
	if _, err := svc.Moderate(ctx, clerks["anna"], e.ID, q.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Moderate(ctx, clerks["anna"], e.ID, q.ID, false); code(err) != "error.event_question_decided" {
		t.Fatalf("decide twice: %v", err)
	}
	if st := mod.get(); len(st.Public.Questions) != 1 || st.Public.Questions[0].Text != "Wann wird die Brücke fertig?" {
		t.Fatalf("approved not public: %+v", st.Public)
	}

	if err := svc.RaiseHand(ctx, e.ID, tok2, true); err != nil {
		t.Fatal(err)
	}
	if st := mod.get(); len(st.Moderation.Hands) != 1 || st.Moderation.Hands[0].ID != v2.ID {
		t.Fatalf("hand: %+v", st.Moderation)
	}
	if err := svc.Stage(ctx, clerks["anna"], e.ID, v2.ID, true); err != nil {
		t.Fatal(err)
	}
	if err := svc.Stage(ctx, clerks["anna"], e.ID, v.ID, true); code(err) != "error.event_stage_full" {
		t.Fatalf("second on a one-slot stage: %v", err)
	}
	st := mod.get()
	if len(st.Public.Stage) != 1 || st.Public.Stage[0] != v2.ID || len(st.Public.Hands) != 0 {
		t.Fatalf("stage: %+v", st.Public)
	}
	// the moderator allows video while v2 is on stage, and takes it back:
	// the SFU lets v2 send video, then no more, at once
	withVideo := draft
	withVideo.AllowVideo = true
	if _, err := svc.Edit(ctx, clerks["anna"], e.ID, withVideo); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Edit(ctx, clerks["anna"], e.ID, draft); err != nil {
		t.Fatal(err)
	}
	if err := svc.Stage(ctx, clerks["anna"], e.ID, v2.ID, false); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(rec.calls, " "), strings.Join([]string{v2.ID + ":audio", v2.ID + ":audio+video", v2.ID + ":audio", v2.ID + ":off"}, " "); got != want {
		t.Fatalf("SFU told %q, want %q", got, want)
	}

	// cancelled: viewers are out
	if _, err := svc.Cancel(ctx, clerks["ben"], e.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Ask(ctx, e.ID, tok2, "noch da?"); code(err) != "error.event_cancelled" {
		t.Fatalf("ask after cancel: %v", err)
	}
	if _, _, err := svc.Join(ctx, e.ID); code(err) != "error.event_cancelled" {
		t.Fatalf("join after cancel: %v", err)
	}
}

// TestEventSpeakerInvite: an external speaker's link works once.
func TestEventSpeakerInvite(t *testing.T) { forEachDialect(t, testEventSpeakerInvite) }

func testEventSpeakerInvite(t *testing.T, open opener) {
	ctx := context.Background()
	db := open()
	anna := staff.Clerk{Login: "anna", Offices: []string{"bauamt"}}
	svc := events.New(db, events.Settings{Clerk: func(context.Context, string) (staff.Clerk, error) { return anna, nil }})
	e, err := svc.Create(ctx, anna, events.Draft{OfficeID: "bauamt", Title: "Pressekonferenz", Start: time.Now(), End: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	link, _, err := svc.InviteSpeaker(ctx, anna, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	sess, m, err := svc.RedeemSpeaker(ctx, link)
	if err != nil || m.Kind != events.KindSpeaker {
		t.Fatalf("redeem: %v %+v", err, m)
	}
	if _, _, err := svc.RedeemSpeaker(ctx, link); !errors.Is(err, events.ErrInviteInvalid) {
		t.Fatalf("second redeem: %v", err)
	}
	if got, err := svc.Session(ctx, e.ID, sess); err != nil || got.ID != m.ID {
		t.Fatalf("speaker session: %v %+v", err, got)
	}
	// a speaker session is no viewer: it cannot ask
	if _, err := svc.Ask(ctx, e.ID, sess, "?"); !errors.Is(err, events.ErrBadSession) {
		t.Fatalf("speaker asks: %v", err)
	}
}

// TestEventQuestionsPurged: an event's questions go with its office's
// content retention after the event's end; viewer sessions when they
// expire.
func TestEventQuestionsPurged(t *testing.T) { forEachDialect(t, testEventQuestionsPurged) }

func testEventQuestionsPurged(t *testing.T, open opener) {
	ctx := context.Background()
	db := open()
	anna := staff.Clerk{Login: "anna", Offices: []string{"bauamt"}}
	start := time.Now().Add(-3 * time.Hour)
	svc := events.New(db, events.Settings{Clerk: func(context.Context, string) (staff.Clerk, error) { return anna, nil },
		Now: func() time.Time { return start.Add(time.Minute) }})
	e, err := svc.Create(ctx, anna, events.Draft{OfficeID: "bauamt", Title: "Sprechstunde", Start: start, End: start.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := svc.Join(ctx, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Ask(ctx, e.ID, tok, "Eine Frage"); err != nil {
		t.Fatal(err)
	}
	// a rule whose content cutoff lies before the end keeps them
	if _, err := db.Purge(ctx, []reception.PurgeRule{{ContentBefore: start}}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if qs, _ := db.EventQuestions(ctx, e.ID, ""); len(qs) != 1 {
		t.Fatalf("questions purged too early: %d", len(qs))
	}
	if _, err := db.Purge(ctx, []reception.PurgeRule{{ContentBefore: time.Now()}}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if qs, _ := db.EventQuestions(ctx, e.ID, ""); len(qs) != 0 {
		t.Fatalf("questions kept after the retention: %d", len(qs))
	}
	// the viewer session expired an hour after the end: gone
	if _, err := svc.Session(ctx, e.ID, tok); !errors.Is(err, events.ErrBadSession) {
		t.Fatalf("expired viewer session: %v", err)
	}
}
