// Package events owns citizens' hours and press conferences: an event of
// an office with a title, a time, up to MaxSpeakers speakers who publish
// media and any number of anonymous viewers who only receive; the
// viewers' moderated questions, their raised hands and the bounded stage
// onto which a moderator brings a viewer to speak. It owns the rules and
// the live state pushed to viewers; the store persists, the web layer
// presents, and the SFU enforces who may publish (through Settings.Stage).
// It does not touch consultations, tickets or chat.
package events

import (
	"context"
	"slices"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/audit"
	"github.com/buergerbuero/buergerbuero/appliance/problem"
	"github.com/buergerbuero/buergerbuero/appliance/text"
)

// Limits of an event.
const (
	// MaxSpeakers is the number of speakers (staff and external) who
	// publish from the start.
	MaxSpeakers = 3
	// MaxStageSlots bounds the viewers on stage at once, on top of the
	// speakers.
	MaxStageSlots    = 3
	DefaultStageSlot = 2
	MaxTitle         = 160
	// MaxQuestion is the longest question (characters).
	MaxQuestion = 500
	// A viewer may ask QuestionBurst questions per QuestionWindow and
	// have at most MaxPending questions waiting for moderation.
	QuestionBurst  = 3
	QuestionWindow = time.Minute
	MaxPending     = 5
	// MaxDuration bounds one event.
	MaxDuration = 12 * time.Hour
	// ViewerGrace keeps viewer and speaker sessions valid after the end.
	ViewerGrace = time.Hour
	// InviteTTL is how long an external speaker's link may be redeemed.
	InviteTTL = 7 * 24 * time.Hour
)

// EventMember kinds.
const (
	KindViewer  = "viewer"
	KindSpeaker = "speaker" // an external speaker's session
	KindInvite  = "invite"  // an unredeemed external speaker link
)

// Question states.
const (
	Pending  = "pending"
	Approved = "approved"
	Rejected = "rejected"
)

// Status of an event at a time.
const (
	StatusUpcoming  = "upcoming"
	StatusLive      = "live"
	StatusEnded     = "ended"
	StatusCancelled = "cancelled"
)

// Problems.
var (
	ErrNotFound      = problem.New(problem.KindNotFound, "event_not_found")
	ErrNotModerator  = problem.New(problem.KindForbidden, "event_not_moderator")
	ErrBadSession    = problem.New(problem.KindUnauthorized, "event_session_invalid")
	ErrInviteInvalid = problem.New(problem.KindGone, "event_invite_invalid")
	ErrOver          = problem.New(problem.KindGone, "event_over")
	ErrCancelled     = problem.New(problem.KindGone, "event_cancelled")
	ErrStageFull     = problem.New(problem.KindConflict, "event_stage_full")
	ErrTooMany       = problem.New(problem.KindRateLimited, "event_questions_rate")
	ErrSpeakersFull  = problem.New(problem.KindConflict, "event_speakers_full")
	ErrNoQuestion    = problem.New(problem.KindNotFound, "event_question_not_found")
	ErrDecided       = problem.New(problem.KindConflict, "event_question_decided")
	ErrNotViewer     = problem.New(problem.KindNotFound, "event_viewer_not_found")
)

// Event is a citizens' hour or press conference.
type Event struct {
	ID       string    `json:"id"`
	OfficeID string    `json:"office_id"`
	Title    string    `json:"title"`
	Host     string    `json:"host"` // login of the creating clerk
	Start    time.Time `json:"starts_at"`
	End      time.Time `json:"ends_at"`
	// ServiceID names an appointments service of the office through which
	// citizens may register (a link to its booking); "" for none.
	ServiceID string `json:"service_id,omitempty"`
	// AllowVideo lets viewers on stage send video, not only audio.
	AllowVideo bool `json:"allow_video"`
	StageSlots int  `json:"stage_slots"`
	// Speakers are staff logins who publish; external speakers join
	// through invite links and are counted by the store.
	Speakers    []string  `json:"speakers"`
	CreatedAt   time.Time `json:"created_at"`
	CancelledAt time.Time `json:"cancelled_at,omitzero"`
}

// Status says where the event stands at now.
func (e Event) Status(now time.Time) string {
	switch {
	case !e.CancelledAt.IsZero():
		return StatusCancelled
	case now.Before(e.Start):
		return StatusUpcoming
	case now.Before(e.End):
		return StatusLive
	}
	return StatusEnded
}

// Draft is what staff fill in to create or edit an event.
type Draft struct {
	OfficeID   string    `json:"office_id"`
	Title      string    `json:"title"`
	Start      time.Time `json:"starts_at"`
	End        time.Time `json:"ends_at"`
	ServiceID  string    `json:"service_id"`
	AllowVideo bool      `json:"allow_video"`
	StageSlots int       `json:"stage_slots"`
	Speakers   []string  `json:"speakers"`
}

// EventMember is a viewer, an external speaker's session or an unredeemed
// speaker invite. ID is public (the viewer's anonymous name on the wire
// and their SFU identity); the token that proves it is stored hashed.
type Member struct {
	ID      string    `json:"id"`
	EventID string    `json:"event_id"`
	Kind    string    `json:"kind"`
	Expires time.Time `json:"-"`
	HandAt  time.Time `json:"hand_at,omitzero"`
	OnStage bool      `json:"on_stage"`
}

// Question is a viewer's text question.
type Question struct {
	ID        int64     `json:"id"`
	EventID   string    `json:"-"`
	Viewer    string    `json:"viewer"`
	Text      string    `json:"text"`
	State     string    `json:"state"`
	AskedAt   time.Time `json:"asked_at"`
	DecidedAt time.Time `json:"decided_at,omitzero"`
	DecidedBy string    `json:"-"`
}

// Store persists events. Every method is one transaction and safe for
// concurrent use.
type Store interface {
	// CreateEvent stores a new event and entry (createdAudit) together.
	CreateEvent(ctx context.Context, e Event, entry audit.Entry) error
	// UpdateEvent stores title, time, service, video, slots, speakers and
	// cancellation of an existing event.
	UpdateEvent(ctx context.Context, e Event) error
	Event(ctx context.Context, id string) (Event, error) // ErrNotFound
	// UpcomingEvents lists events (of office, or all with "") not
	// cancelled whose end is after now, by start.
	UpcomingEvents(ctx context.Context, office string, now time.Time) ([]Event, error)
	// AddEventMember stores a member under the hash of its token.
	AddEventMember(ctx context.Context, hash []byte, m Member) error
	// EventMember resolves an unexpired member token of kind viewer or
	// speaker (ErrBadSession).
	EventMember(ctx context.Context, hash []byte, now time.Time) (Member, error)
	// RedeemSpeakerInvite marks an unexpired, unused invite used and stores the
	// speaker session sessionHash with a fresh identity in its place
	// (ErrInviteInvalid).
	RedeemSpeakerInvite(ctx context.Context, hash, sessionHash []byte, session Member, now time.Time) (Member, error)
	// ExternalSpeakers counts an event's unexpired invites and speaker
	// sessions.
	ExternalSpeakers(ctx context.Context, event string, now time.Time) (int, error)
	// SetEventHand raises (non-zero at) or lowers a viewer's hand.
	SetEventHand(ctx context.Context, event, member string, at time.Time) error
	// SetEventStage puts a viewer on stage (lowering the hand) or back; on
	// stage fails with ErrStageFull when max viewers are already there.
	SetEventStage(ctx context.Context, event, member string, on bool, max int) error
	// EventAudience lists the members with a raised hand or on stage.
	EventAudience(ctx context.Context, event string) ([]Member, error)
	// AddEventQuestion stores a pending question unless the viewer asked
	// burst questions since or has maxPending waiting (ErrTooMany).
	AddEventQuestion(ctx context.Context, q Question, since time.Time, burst, maxPending int) (Question, error)
	// DecideEventQuestion moves a pending question to state (ErrNoQuestion,
	// ErrDecided).
	DecideEventQuestion(ctx context.Context, event string, id int64, state, by string, at time.Time) (Question, error)
	// EventQuestions lists an event's questions, oldest first; state "" all.
	EventQuestions(ctx context.Context, event, state string) ([]Question, error)
}

// validate checks a draft; speakers are checked against the office by
// the caller.
func (d *Draft) validate() error {
	d.Title = text.Clean(d.Title)
	if err := text.CheckLen("title", d.Title, 1, MaxTitle); err != nil {
		return err
	}
	if d.Start.IsZero() || d.End.IsZero() || !d.End.After(d.Start) || d.End.Sub(d.Start) > MaxDuration {
		return problem.Invalid("ends_at", "event_time", map[string]any{"Hours": int(MaxDuration / time.Hour)})
	}
	if d.StageSlots == 0 {
		d.StageSlots = DefaultStageSlot
	}
	if d.StageSlots < 1 || d.StageSlots > MaxStageSlots {
		return problem.Invalid("stage_slots", "event_stage_slots", map[string]any{"Min": 1, "Max": MaxStageSlots})
	}
	d.Speakers = slices.Compact(slices.Sorted(slices.Values(d.Speakers)))
	if len(d.Speakers) > MaxSpeakers {
		return ErrSpeakersFull.With("speakers", map[string]any{"Max": MaxSpeakers})
	}
	return nil
}

// createdAudit is the audit entry of an event created: its host, the
// event and its office.
func createdAudit(e Event) audit.Entry {
	return audit.Entry{Actor: e.Host, Action: "event_created", Detail: "event " + e.ID + " office " + e.OfficeID}
}
