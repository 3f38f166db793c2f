package events

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/problem"
	"github.com/buergerbuero/buergerbuero/appliance/secret"
	"github.com/buergerbuero/buergerbuero/appliance/staff"
	"github.com/buergerbuero/buergerbuero/appliance/text"
)

// Settings connect the service to the rest of the appliance.
type Settings struct {
	// Clerk looks up a staff login (speakers must be staff of the office).
	Clerk func(ctx context.Context, login string) (staff.Clerk, error)
	// Stage lets the SFU know that identity may now publish in room
	// (audio, and video if allowed) or, with both false, may not any more
	// (its published tracks are removed for all). Nil: no media.
	Stage func(room, identity string, audio, video bool)
	// Cancelled disconnects everybody from an event's media room.
	Cancelled func(room string)
	Now       func() time.Time
}

// Service applies the rules of events.
type Service struct {
	store Store
	set   Settings
	Hub   *Hub
}

// New creates the service.
func New(st Store, set Settings) *Service {
	if set.Now == nil {
		set.Now = time.Now
	}
	s := &Service{store: st, set: set}
	s.Hub = newHub(s)
	return s
}

func (s *Service) now() time.Time { return s.set.Now() }

// MayModerate: staff of the event's office (the host among them).
func MayModerate(c staff.Clerk, e Event) bool {
	return c.Login != "" && (c.Login == e.Host || c.MemberOf(e.OfficeID))
}

// IsSpeaker: a staff login named as the event's speaker.
func IsSpeaker(c staff.Clerk, e Event) bool {
	return c.Login != "" && slices.Contains(e.Speakers, c.Login)
}

// Get returns an event.
func (s *Service) Get(ctx context.Context, id string) (Event, error) { return s.store.Event(ctx, id) }

// Upcoming lists the events not yet over, of an office or all ("").
func (s *Service) Upcoming(ctx context.Context, office string) ([]Event, error) {
	return s.store.UpcomingEvents(ctx, office, s.now())
}

// Moderated returns the event if c may moderate it.
func (s *Service) Moderated(ctx context.Context, c staff.Clerk, id string) (Event, error) {
	e, err := s.store.Event(ctx, id)
	if err != nil {
		return Event{}, err
	}
	if !MayModerate(c, e) {
		return Event{}, ErrNotModerator
	}
	return e, nil
}

func (s *Service) checkSpeakers(ctx context.Context, office string, logins []string) error {
	for _, l := range logins {
		c, err := s.set.Clerk(ctx, l)
		if err != nil || !c.MemberOf(office) {
			return problem.Invalid("speakers", "event_speaker_unknown", map[string]any{"Login": l})
		}
	}
	return nil
}

// Create makes an event of an office the clerk works in.
func (s *Service) Create(ctx context.Context, c staff.Clerk, d Draft) (Event, error) {
	if err := d.validate(); err != nil {
		return Event{}, err
	}
	if c.Login == "" || !c.MemberOf(d.OfficeID) {
		return Event{}, ErrNotModerator
	}
	if err := s.checkSpeakers(ctx, d.OfficeID, d.Speakers); err != nil {
		return Event{}, err
	}
	e := Event{ID: secret.NewID(), OfficeID: d.OfficeID, Title: d.Title, Host: c.Login, Start: d.Start.UTC(), End: d.End.UTC(),
		ServiceID: d.ServiceID, AllowVideo: d.AllowVideo, StageSlots: d.StageSlots, Speakers: d.Speakers, CreatedAt: s.now().UTC()}
	if e.Speakers == nil {
		e.Speakers = []string{}
	}
	return e, s.store.CreateEvent(ctx, e, createdAudit(e))
}

// Edit changes an event that is not over; its office stays.
func (s *Service) Edit(ctx context.Context, c staff.Clerk, id string, d Draft) (Event, error) {
	e, err := s.Moderated(ctx, c, id)
	if err != nil {
		return Event{}, err
	}
	if st := e.Status(s.now()); st == StatusCancelled || st == StatusEnded {
		return Event{}, ErrOver
	}
	d.OfficeID = e.OfficeID
	if err := d.validate(); err != nil {
		return Event{}, err
	}
	if err := s.checkSpeakers(ctx, e.OfficeID, d.Speakers); err != nil {
		return Event{}, err
	}
	ext, err := s.store.ExternalSpeakers(ctx, id, s.now())
	if err != nil {
		return Event{}, err
	}
	if len(d.Speakers)+ext > MaxSpeakers {
		return Event{}, ErrSpeakersFull.With("speakers", map[string]any{"Max": MaxSpeakers})
	}
	videoChanged := e.AllowVideo != d.AllowVideo
	e.Title, e.Start, e.End, e.ServiceID, e.AllowVideo, e.StageSlots, e.Speakers =
		d.Title, d.Start.UTC(), d.End.UTC(), d.ServiceID, d.AllowVideo, d.StageSlots, d.Speakers
	if e.Speakers == nil {
		e.Speakers = []string{}
	}
	if err := s.store.UpdateEvent(ctx, e); err != nil {
		return Event{}, err
	}
	if videoChanged {
		// viewers on stage may send video from now on, or no longer
		if err := s.restage(ctx, e, ""); err != nil {
			return Event{}, err
		}
	}
	s.Hub.changed(id)
	return e, nil
}

// Cancel calls an event off; its viewers are disconnected.
func (s *Service) Cancel(ctx context.Context, c staff.Clerk, id string) (Event, error) {
	e, err := s.Moderated(ctx, c, id)
	if err != nil {
		return Event{}, err
	}
	if !e.CancelledAt.IsZero() {
		return e, nil
	}
	e.CancelledAt = s.now().UTC()
	if err := s.store.UpdateEvent(ctx, e); err != nil {
		return Event{}, err
	}
	if s.set.Cancelled != nil {
		s.set.Cancelled(e.ID)
	}
	s.Hub.changed(id)
	return e, nil
}

// InviteSpeaker makes a single-use link for an external speaker.
func (s *Service) InviteSpeaker(ctx context.Context, c staff.Clerk, id string) (token string, expires time.Time, err error) {
	e, err := s.Moderated(ctx, c, id)
	if err != nil {
		return "", time.Time{}, err
	}
	if st := e.Status(s.now()); st == StatusCancelled || st == StatusEnded {
		return "", time.Time{}, ErrOver
	}
	ext, err := s.store.ExternalSpeakers(ctx, id, s.now())
	if err != nil {
		return "", time.Time{}, err
	}
	if len(e.Speakers)+ext >= MaxSpeakers {
		return "", time.Time{}, ErrSpeakersFull.With("speakers", map[string]any{"Max": MaxSpeakers})
	}
	token = secret.NewToken()
	expires = s.now().Add(InviteTTL)
	if end := e.End.Add(ViewerGrace); end.Before(expires) {
		expires = end
	}
	err = s.store.AddEventMember(ctx, secret.Hash(token), Member{ID: "i-" + secret.NewID(), EventID: id, Kind: KindInvite, Expires: expires})
	return token, expires, err
}

// RedeemSpeaker turns an invite link into a speaker session. The link of
// an event that was cancelled or is over says so (ErrCancelled, ErrOver)
// rather than letting the speaker into an event that is gone.
func (s *Service) RedeemSpeaker(ctx context.Context, invite string) (session string, m Member, err error) {
	session = secret.NewToken()
	m, err = s.store.RedeemSpeakerInvite(ctx, secret.Hash(invite), secret.Hash(session), Member{ID: "s-" + secret.NewID(), Kind: KindSpeaker}, s.now())
	if err != nil {
		return "", Member{}, err
	}
	if _, err := s.open(ctx, m.EventID); err != nil {
		return "", Member{}, err
	}
	return session, m, nil
}

// open returns the event if viewers may be in it now.
func (s *Service) open(ctx context.Context, id string) (Event, error) {
	e, err := s.store.Event(ctx, id)
	if err != nil {
		return Event{}, err
	}
	switch e.Status(s.now()) {
	case StatusCancelled:
		return Event{}, ErrCancelled
	case StatusEnded:
		return Event{}, ErrOver
	}
	return e, nil
}

// Join gives a viewer an anonymous session: an unguessable token and a
// random public ID, no account and no personal data.
func (s *Service) Join(ctx context.Context, id string) (token string, m Member, err error) {
	e, err := s.open(ctx, id)
	if err != nil {
		return "", Member{}, err
	}
	token = secret.NewToken()
	m = Member{ID: "v-" + secret.NewID(), EventID: id, Kind: KindViewer, Expires: e.End.Add(ViewerGrace)}
	return token, m, s.store.AddEventMember(ctx, secret.Hash(token), m)
}

// Session resolves a viewer's or external speaker's token for event id.
func (s *Service) Session(ctx context.Context, id, token string) (Member, error) {
	if token == "" {
		return Member{}, ErrBadSession
	}
	m, err := s.store.EventMember(ctx, secret.Hash(token), s.now())
	if err != nil {
		return Member{}, err
	}
	if m.EventID != id {
		return Member{}, ErrBadSession
	}
	return m, nil
}

func (s *Service) viewer(ctx context.Context, id, token string) (Event, Member, error) {
	m, err := s.Session(ctx, id, token)
	if err != nil {
		return Event{}, Member{}, err
	}
	if m.Kind != KindViewer {
		return Event{}, Member{}, ErrBadSession
	}
	e, err := s.open(ctx, id)
	return e, m, err
}

// Ask sends a viewer's question to the moderators.
func (s *Service) Ask(ctx context.Context, id, token, question string) (Question, error) {
	question = text.Clean(question)
	if err := text.CheckLen("text", question, 1, MaxQuestion); err != nil {
		return Question{}, err
	}
	_, m, err := s.viewer(ctx, id, token)
	if err != nil {
		return Question{}, err
	}
	now := s.now()
	q, err := s.store.AddEventQuestion(ctx, Question{EventID: id, Viewer: m.ID, Text: question, State: Pending, AskedAt: now.UTC()},
		now.Add(-QuestionWindow), QuestionBurst, MaxPending)
	if err != nil {
		return Question{}, err
	}
	s.Hub.changed(id)
	return q, nil
}

// RaiseHand raises or lowers the viewer's hand.
func (s *Service) RaiseHand(ctx context.Context, id, token string, raised bool) error {
	_, m, err := s.viewer(ctx, id, token)
	if err != nil {
		return err
	}
	var at time.Time
	if raised {
		at = s.now().UTC()
	}
	if err := s.store.SetEventHand(ctx, id, m.ID, at); err != nil {
		return err
	}
	s.Hub.changed(id)
	return nil
}

// Moderate approves or rejects a pending question.
func (s *Service) Moderate(ctx context.Context, c staff.Clerk, id string, q int64, approve bool) (Question, error) {
	if _, err := s.Moderated(ctx, c, id); err != nil {
		return Question{}, err
	}
	state := Rejected
	if approve {
		state = Approved
	}
	out, err := s.store.DecideEventQuestion(ctx, id, q, state, c.Login, s.now().UTC())
	if err != nil {
		return Question{}, err
	}
	s.Hub.changed(id)
	return out, nil
}

// Stage brings a viewer on stage (they may then publish audio, and video
// if the event allows it) or back to the audience.
func (s *Service) Stage(ctx context.Context, c staff.Clerk, id, viewer string, on bool) error {
	e, err := s.Moderated(ctx, c, id)
	if err != nil {
		return err
	}
	if on {
		if st := e.Status(s.now()); st != StatusLive && st != StatusUpcoming {
			return ErrOver
		}
	}
	if err := s.store.SetEventStage(ctx, id, viewer, on, e.StageSlots); err != nil {
		return err
	}
	if s.set.Stage != nil {
		s.set.Stage(id, viewer, on, on && e.AllowVideo)
	}
	s.Hub.changed(id)
	return nil
}

// restage tells the SFU again what each viewer on e's stage (or only the
// viewer only, if on stage) may publish.
func (s *Service) restage(ctx context.Context, e Event, only string) error {
	if s.set.Stage == nil {
		return nil
	}
	aud, err := s.store.EventAudience(ctx, e.ID)
	if err != nil {
		return err
	}
	for _, m := range aud {
		if m.OnStage && (only == "" || m.ID == only) {
			s.set.Stage(e.ID, m.ID, true, e.AllowVideo)
		}
	}
	return nil
}

// Admitted tells the SFU again that a viewer on stage may publish, when
// the viewer is admitted to the media room: the SFU forgets the stage of
// a room that emptied (a viewer's reconnect after everybody dropped).
func (s *Service) Admitted(ctx context.Context, e Event, viewer string) error {
	return s.restage(ctx, e, viewer)
}

// IsGone tells problems that end a viewer's stay.
func IsGone(err error) bool { return errors.Is(err, problem.ErrGone) }
