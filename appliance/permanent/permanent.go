// Package permanent owns permanent rooms: named rooms of an office with a
// stable link ("Bauamt Besprechungsraum 1", "Team Ausländerbehörde"), who
// is in them right now (presence, at most MaxPeople, occupancy "free /
// occupied"), their lobby (externals knock with a name, no account, and a
// host — any member of staff inside — admits them), and the hosts'
// moderation (remove, mute). It keeps no content of its own: chat, files,
// participants and their sessions are the consultation's (a permanent room
// is a consultation.Room of kind permanent), and when the last person has
// left it empties the room through the consultation's purge, keeping only
// documents if the room says so.
//
// Presence and the lobby live in memory: they describe who is connected
// now and mean nothing after a restart. The package does not touch the
// SFU directly; it asks a Moderator (kick, mute).
package permanent

import (
	"context"
	"sync"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/audit"
	"github.com/buergerbuero/buergerbuero/appliance/consultation"
	"github.com/buergerbuero/buergerbuero/appliance/problem"
	"github.com/buergerbuero/buergerbuero/appliance/secret"
	"github.com/buergerbuero/buergerbuero/appliance/staff"
	"github.com/buergerbuero/buergerbuero/appliance/text"
)

// MaxPeople is how many people (with video) a permanent room holds.
const MaxPeople = 12

// Limits of input.
const (
	MaxTitle = 80
	MaxName  = 60
	MaxLobby = 30
)

// Problems of permanent rooms.
var (
	ErrNotFound     = problem.New(problem.KindNotFound, "permanent_room_not_found")
	ErrFull         = problem.New(problem.KindFull, "permanent_room_full")
	ErrLobbyFull    = problem.New(problem.KindFull, "lobby_full")
	ErrNotHost      = problem.New(problem.KindForbidden, "not_host")
	ErrNotLead      = problem.New(problem.KindForbidden, "permanent_room_create_forbidden")
	ErrKnockGone    = problem.New(problem.KindGone, "knock_gone")
	ErrNotInRoom    = problem.New(problem.KindNotFound, "not_in_room")
	ErrRemoveStaff  = problem.New(problem.KindForbidden, "remove_staff")
	errKnockInvalid = problem.Unauthorized
)

// Room is a permanent room.
type Room struct {
	ID       string `json:"id"`
	OfficeID string `json:"office_id"`
	Title    string `json:"title"`
	// KeepDocuments: the files shared in the room stay after the last
	// person left (the chat never does).
	KeepDocuments bool      `json:"keep_documents"`
	CreatedBy     string    `json:"-"`
	CreatedAt     time.Time `json:"created_at"`
}

// Store persists permanent rooms. Safe for concurrent use.
type Store interface {
	// CreatePermanentRoom inserts the consultation room (kind permanent),
	// its title and settings, and entry (createdAudit) in one transaction.
	CreatePermanentRoom(ctx context.Context, r Room, entry audit.Entry) error
	// PermanentRoom loads one; ErrNotFound if none.
	PermanentRoom(ctx context.Context, id string) (Room, error)
	// PermanentRooms lists all, by office and title.
	PermanentRooms(ctx context.Context) ([]Room, error)
	// Record writes an audit entry as given: a host's action (remove,
	// mute, unmute; hostAudit).
	Record(ctx context.Context, e audit.Entry) error
}

// Moderator acts on the media of a room (the SFU); nil means no video.
type Moderator interface {
	// Kick disconnects identity's media connections from room at once.
	Kick(room, identity string)
	// Mute stops (or resumes) forwarding identity's audio in room.
	Mute(room, identity string, muted bool)
}

// Settings tune permanent rooms.
type Settings struct {
	// SessionTTL is how long an admitted external's session lasts at most.
	SessionTTL time.Duration
	// KnockTTL is how long a knock waits in the lobby before it lapses.
	KnockTTL time.Duration
	// EmptyGrace is how long a room must stay empty before it is emptied,
	// so that the last person's reload or network blip is no leaving;
	// negative: at once.
	EmptyGrace time.Duration
}

// Service is the permanent rooms.
type Service struct {
	store Store
	rooms *consultation.Service
	mod   Moderator
	set   Settings
	now   func() time.Time

	mu      sync.Mutex
	live    map[string]*liveRoom
	purges  map[string]*pendingPurge // rooms empty since, to be emptied
	purging sync.WaitGroup           // emptyings under way
	changed chan struct{}            // closed and replaced on every change
}

// New creates the service on top of the consultation; mod may be nil.
func New(st Store, rooms *consultation.Service, mod Moderator, set Settings) *Service {
	if set.SessionTTL == 0 {
		set.SessionTTL = 8 * time.Hour
	}
	if set.KnockTTL == 0 {
		set.KnockTTL = 30 * time.Minute
	}
	if set.EmptyGrace == 0 {
		set.EmptyGrace = 5 * time.Second
	}
	return &Service{store: st, rooms: rooms, mod: mod, set: set, now: time.Now, live: map[string]*liveRoom{}, purges: map[string]*pendingPurge{}, changed: make(chan struct{})}
}

// SetClock replaces the clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// Create makes a permanent room of an office; only a lead of the office
// or an admin may.
func (s *Service) Create(ctx context.Context, a consultation.Actor, office, title string, keepDocuments bool) (Room, error) {
	if a.Clerk.Login == "" || !a.Clerk.MemberOf(office) || (a.Clerk.Role != staff.RoleLead && a.Clerk.Role != staff.RoleAdmin) {
		return Room{}, ErrNotLead
	}
	title = text.Clean(title)
	if err := text.CheckLen("title", title, 3, MaxTitle); err != nil {
		return Room{}, err
	}
	r := Room{ID: "p_" + secret.NewID(), OfficeID: office, Title: title, KeepDocuments: keepDocuments, CreatedBy: a.AuditName(), CreatedAt: s.now()}
	if err := s.store.CreatePermanentRoom(ctx, r, createdAudit(r)); err != nil {
		return Room{}, err
	}
	s.notify()
	return r, nil
}

// Room loads a permanent room.
func (s *Service) Room(ctx context.Context, id string) (Room, error) {
	return s.store.PermanentRoom(ctx, id)
}

// Status is a room as its public page and the staff console show it.
type Status struct {
	Room
	Occupied bool `json:"occupied"`
	Count    int  `json:"count"`
	Max      int  `json:"max"`
	Waiting  int  `json:"waiting,omitempty"` // knocks in the lobby (staff only)
}

// Public returns a room's public status (no names).
func (s *Service) Public(ctx context.Context, id string) (Status, error) {
	r, err := s.store.PermanentRoom(ctx, id)
	if err != nil {
		return Status{}, err
	}
	st := s.status(r)
	st.Waiting = 0
	return st, nil
}

// Rooms lists the permanent rooms of the offices a member of staff
// belongs to, with occupancy and waiting knocks.
func (s *Service) Rooms(ctx context.Context, c staff.Clerk) ([]Status, error) {
	all, err := s.store.PermanentRooms(ctx)
	if err != nil {
		return nil, err
	}
	out := []Status{}
	for _, r := range all {
		if c.MemberOf(r.OfficeID) {
			out = append(out, s.status(r))
		}
	}
	return out, nil
}

func (s *Service) status(r Room) Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := Status{Room: r, Max: MaxPeople}
	if lr := s.live[r.ID]; lr != nil {
		st.Count = len(lr.people)
		st.Waiting = lr.waiting(s.now())
	}
	st.Occupied = st.Count > 0
	return st
}

// Changed returns a channel that is closed at the next change of any
// room's presence, lobby or list.
func (s *Service) Changed() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}

func (s *Service) notify() {
	s.mu.Lock()
	s.notifyLocked()
	s.mu.Unlock()
}

func (s *Service) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// createdAudit is the audit entry of a permanent room created.
func createdAudit(r Room) audit.Entry {
	return audit.Entry{At: r.CreatedAt, Actor: r.CreatedBy, Action: "permanent_room_created", OfficeID: r.OfficeID, Detail: "room " + r.ID}
}

// hostAudit is the audit entry of a host's action in a room: who did it
// in which room, never whom (no names).
func hostAudit(r Room, actor, action string, at time.Time) audit.Entry {
	return audit.Entry{At: at, Actor: actor, Action: action, OfficeID: r.OfficeID, Detail: "room " + r.ID}
}
