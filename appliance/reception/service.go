// Package reception owns the virtual waiting room: offices and their queues,
// tickets and their state machine, the wait estimator, the live updates to
// waiting citizens, the staff event stream, and the staff actions on
// tickets (admit, forward, return, decline, end). Admitting opens a
// consultation room and the end of the visit closes it; the room itself,
// its members, chat, files and invites belong to package consultation
// (Service.Rooms). It persists through the Store interface and never
// renders HTML or speaks HTTP.
package reception

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/consultation"
	"github.com/buergerbuero/buergerbuero/appliance/hours"
	"github.com/buergerbuero/buergerbuero/appliance/secret"
	"github.com/buergerbuero/buergerbuero/appliance/staff"
	"github.com/buergerbuero/buergerbuero/appliance/text"
)

// Store is what the reception needs persisted (appliance/store, on SQLite
// and PostgreSQL; its contract suite runs every case on both).
//
// Concurrency: implementations are safe for concurrent use, also by
// several processes sharing one database. Every method that changes state
// is one transaction, and write transactions are serialisable with each
// other: each sees every write committed before it, none interleaves.
//
// Atomicity: CreateTicket and Apply persist the Outcome their Transition
// decides (transition.go) together with the ticket: the room it opens, the
// room it ends, the handling sample, the forwarding record, the connection
// record, its event (the Change's Seq), its audit entry and its figures —
// all of it or, on any error, none. The store decides none of these: it
// writes what the Outcome names and enforces integrity. AddNote writes the
// note and its audit entry together.
//
// Ordering: CreateTicket numbers an office's tickets of a day 1, 2, 3 … in
// the order the knocks commit, without gaps or duplicates, and gives the
// ticket a knock time after every earlier knock of the office and day;
// event sequence numbers (Events, AddEvent, Change.Seq) grow in commit
// order, so a reader that asks for seq > last never misses an event
// committed later.
//
// Conflict: Apply loads the ticket inside the transaction, hands it to
// the Transition (which refuses an action its state does not allow) and
// writes the new ticket only if its state is still the one loaded (WHERE
// state = before); of several concurrent Applies on one ticket, those
// that lose see the winner's state and fail without writing anything —
// exactly one admission wins; a write that finds the state changed is a
// problem of kind conflict, code "changed". A ticket that does not exist
// is ErrTicketNotFound; a full queue is ErrQueueFull (checked before the
// Transition runs).
//
// Reads (Ticket, ActiveTickets, Events, …) see committed state and may be
// stale by the time they return; they never decide a transition.
// A Transition runs inside the write transaction: it must not block.
type Store interface {
	UpsertOffice(ctx context.Context, o Office) error
	Offices(ctx context.Context) ([]Office, error)
	CreateTicket(ctx context.Context, t *Ticket, maxQueue int, knock Transition) (Change, error)
	Apply(ctx context.Context, id string, step Transition) (Change, error)
	Ticket(ctx context.Context, id string) (Ticket, error)
	TicketByNumber(ctx context.Context, number, day string) (Ticket, error)
	ActiveTickets(ctx context.Context) ([]Ticket, error)
	AddNote(ctx context.Context, ticketID string, n Note) error
	SetDisconnected(ctx context.Context, ticketID string, at time.Time) error
	Disconnected(ctx context.Context) (map[string]time.Time, error)
	ResetDisconnected(ctx context.Context, now time.Time) error
	HandlingSamples(ctx context.Context, since time.Time) ([]Sample, error)
	Events(ctx context.Context, since int64, limit int) ([]Event, error)
	AddEvent(ctx context.Context, typ string, payload []byte) (int64, error)
	LastEventSeq(ctx context.Context) (int64, error)
	DeleteNotes(ctx context.Context, ticketID string) error
	ForgetTicket(ctx context.Context, ticketID string, anonymiseAudit bool) error
	Purge(ctx context.Context, rules []PurgeRule, eventCutoff time.Time) (int64, error)
}

// Settings tune the reception (from the configuration).
type Settings struct {
	State           string // Bundesland for holidays
	Loc             *time.Location
	GracePeriod     time.Duration
	CalledTimeout   time.Duration
	MaxQueue        int
	DefaultHandling time.Duration
	KnockBurst      int
	KnockPer        time.Duration
	Retention       Retention     // site default; an office may override it
	MaxUpload       int64         // for the consultation
	InviteTTL       time.Duration // for the consultation
	// Roles are the external roles' rights per office (the consultation's).
	Roles consultation.Policy
	// Count says what a ticket change adds to the usage figures
	// (stats.Count); nil counts nothing.
	Count Counter
}

// Service is the reception.
type Service struct {
	store Store
	rules Rules
	set   Settings
	log   *slog.Logger
	est   *Estimator
	q     *queue
	Hub   *Hub
	// Rooms is the consultation the reception opens and closes rooms in.
	Rooms     *consultation.Service
	limiter   *limiter
	metrics   *Metrics
	now       func() time.Time
	officeMu  sync.RWMutex
	offices   map[string]officeEntry
	order     []string
	lastPurge time.Time // only touched by Sweep, which runs in one goroutine
	knockMu   sync.Mutex
	lastKnock time.Time
	// knockLocks: office ID → *sync.Mutex (see knockLock)
	knockLocks sync.Map
	clerkMu    sync.RWMutex
	clerks     map[string]staff.Clerk

	// PresenceChanged is called when an admission or the end of a
	// consultation changes a clerk's presence, so it can be persisted.
	PresenceChanged func(login string, p staff.Presence)
	// RoomEnded is called when a consultation room closes (end, return,
	// forward, decline), so media can be torn down.
	RoomEnded func(roomID string)
	// LoadClerk reads a clerk as stored, when another node changed it
	// (follow.go); nil on a single node.
	LoadClerk func(ctx context.Context, login string) (staff.Clerk, error)
	// ReloadSettings reads offices and site settings again when another
	// node changed them (follow.go); nil reloads the offices alone.
	ReloadSettings func(ctx context.Context) error
}

type officeEntry struct {
	Office
	sched hours.Schedule
}

// New creates the reception and its consultation (rooms persisted in rs);
// call Start before use.
func New(s Store, rs consultation.Store, set Settings, m *Metrics, log *slog.Logger) *Service {
	if set.Loc == nil {
		set.Loc, _ = time.LoadLocation("Europe/Berlin")
	}
	if set.InviteTTL == 0 {
		set.InviteTTL = 2 * time.Hour
	}
	if m == nil {
		m = NewMetrics(nil)
	}
	svc := &Service{
		store: s, rules: Rules{Count: set.Count}, set: set, log: log, est: NewEstimator(set.DefaultHandling), q: newQueue(), Hub: NewHub(),
		limiter: newLimiter(set.KnockBurst, set.KnockPer), metrics: m, now: time.Now,
		offices: map[string]officeEntry{}, clerks: map[string]staff.Clerk{},
	}
	svc.Rooms = consultation.New(rs, consultation.Settings{MaxUpload: set.MaxUpload, InviteTTL: set.InviteTTL, Roles: set.Roles}, directory{svc}, svc.Hub.wakeEvents)
	return svc
}

// SetClock replaces the clock (tests), the consultation's too.
func (s *Service) SetClock(now func() time.Time) { s.now = now; s.Rooms.SetClock(now) }

// Start loads offices, active tickets and handling history, and gives every
// disconnected citizen a fresh grace period (the server's downtime is not
// their fault).
func (s *Service) Start(ctx context.Context, clerks []staff.Clerk) error {
	if err := s.ReloadOffices(ctx); err != nil {
		return err
	}
	active, err := s.store.ActiveTickets(ctx)
	if err != nil {
		return err
	}
	s.q.load(active)
	samples, err := s.store.HandlingSamples(ctx, s.now().Add(-s.est.Window))
	if err != nil {
		return err
	}
	for _, x := range samples {
		s.est.Add(x)
	}
	for _, c := range clerks {
		s.clerks[c.Login] = c
	}
	if err := s.store.ResetDisconnected(ctx, s.now()); err != nil {
		return err
	}
	s.refreshGauges()
	return nil
}

// ReloadOffices reads the offices from the store.
func (s *Service) ReloadOffices(ctx context.Context) error {
	list, err := s.store.Offices(ctx)
	if err != nil {
		return err
	}
	s.officeMu.RLock()
	state := s.set.State
	s.officeMu.RUnlock()
	m := map[string]officeEntry{}
	var order []string
	for _, o := range list {
		sched, err := o.Schedule(state, s.set.Loc)
		if err != nil {
			return fmt.Errorf("office %s: %w", o.ID, err)
		}
		m[o.ID] = officeEntry{o, sched}
		order = append(order, o.ID)
	}
	s.officeMu.Lock()
	s.offices, s.order = m, order
	s.officeMu.Unlock()
	s.metrics.initLabels(order)
	return nil
}

// UpdateClerk records a clerk's presence and memberships (occupancy).
func (s *Service) UpdateClerk(c staff.Clerk) {
	s.clerkMu.Lock()
	s.clerks[c.Login] = c
	s.clerkMu.Unlock()
}

func (s *Service) office(id string) (officeEntry, bool) {
	s.officeMu.RLock()
	defer s.officeMu.RUnlock()
	o, ok := s.offices[id]
	return o, ok
}

// staffing returns how many clerks of an office are on duty (available or in
// a consultation), capped at its chairs.
func (s *Service) staffing(o officeEntry) int {
	s.clerkMu.RLock()
	defer s.clerkMu.RUnlock()
	n := 0
	for _, c := range s.clerks {
		if (c.Presence == staff.PresenceAvailable || c.Presence == staff.PresenceInConsultation) && c.MemberOf(o.ID) && c.Role != staff.RoleAdmin {
			n++
		}
	}
	return min(n, o.Chairs)
}

// weekdayKeys are the config keys of ReservedChairs by time.Weekday.
var weekdayKeys = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// reservedAt is the chairs o reserves for appointments at now: the
// weekday's reservation while open, none while closed.
func (o officeEntry) reservedAt(now time.Time) int {
	if len(o.ReservedChairs) == 0 || !o.sched.IsOpen(now) {
		return 0
	}
	loc := o.sched.Loc
	if loc == nil {
		loc = time.UTC
	}
	return o.ReservedChairs[weekdayKeys[now.In(loc).Weekday()]]
}

// walkInStaffing is staffing minus the chairs reserved for appointments
// right now: only those clerks serve the walk-in queue, so its estimates
// stay honest (0 makes the estimate assume a whole consultation first).
func (s *Service) walkInStaffing(o officeEntry, now time.Time) int {
	return max(s.staffing(o)-o.reservedAt(now), 0)
}

func (s *Service) estimate(o officeEntry, place int) time.Duration {
	now := s.now()
	return s.est.Wait(o.ID, place, s.walkInStaffing(o, now), s.q.busy(o.ID), now)
}

// KnockRequest is what a citizen submits.
type KnockRequest struct {
	Concern  string
	Name     string
	Language string
	Client   string // client address for the rate limit (not stored)
}

// KnockResult is returned once; Token is never shown again.
type KnockResult struct {
	Ticket Ticket
	Token  string
	View   View
}

// Field limits (runes).
const (
	MaxConcern = 500
	MaxName    = 80
	MaxMessage = 2000
	MaxNote    = 2000
)

// Knock puts a citizen into an office's waiting room.
func (s *Service) Knock(ctx context.Context, officeID string, r KnockRequest) (KnockResult, error) {
	o, ok := s.office(officeID)
	if !ok {
		return KnockResult{}, ErrOfficeNotFound
	}
	r.Concern, r.Name, r.Language = text.Clean(r.Concern), text.Clean(r.Name), strings.ToLower(strings.TrimSpace(r.Language))
	if err := checkKnock(o.Office, &r); err != nil {
		return KnockResult{}, err
	}
	if err := text.CheckLen("name", r.Name, 0, MaxName); err != nil {
		return KnockResult{}, err
	}
	lang, err := language(o, r.Language)
	if err != nil {
		return KnockResult{}, err
	}
	// knock time, number and queue insertion are one step per office, so
	// the place in the answer is the citizen's true place
	mu := s.knockLock(o.ID)
	mu.Lock()
	now := s.now()
	if st := s.intake(o, now); st != nil {
		mu.Unlock()
		return KnockResult{}, st
	}
	if !s.limiter.allow(r.Client, now) {
		mu.Unlock()
		return KnockResult{}, ErrRateLimited
	}
	token := secret.NewToken()
	now = s.knockTime(now)
	t := &Ticket{
		ID: "t_" + secret.NewID(), OfficeID: o.ID, Number: o.Prefix, Day: now.In(s.set.Loc).Format("2006-01-02"),
		TokenHash: secret.Hash(token), Name: r.Name, Concern: r.Concern, Language: lang,
		State: StateWaiting, KnockedAt: now, UpdatedAt: now,
	}
	t.Estimate = s.estimate(o, s.q.count(o.ID)+1)
	ch, err := s.store.CreateTicket(ctx, t, s.set.MaxQueue, s.rules.Knock())
	if err != nil {
		mu.Unlock()
		return KnockResult{}, err
	}
	prev, offices := s.record(ch)
	view := s.view(ch.Ticket)
	mu.Unlock()
	s.publish(ch, prev, offices)
	return KnockResult{Ticket: ch.Ticket, Token: token, View: view}, nil
}

// FormatNumber renders a ticket number such as "B-017".
func FormatNumber(prefix string, n int) string { return fmt.Sprintf("%s-%03d", prefix, n) }

// Authorize checks a citizen's ticket token in constant time.
func (s *Service) Authorize(ctx context.Context, id, token string) (Ticket, error) {
	t, err := s.store.Ticket(ctx, id)
	if err != nil {
		if errors.Is(err, ErrTicketNotFound) {
			return Ticket{}, ErrBadToken
		}
		return Ticket{}, err
	}
	if token == "" || subtle.ConstantTimeCompare(secret.Hash(token), t.TokenHash) != 1 {
		return Ticket{}, ErrBadToken
	}
	return t, nil
}

// apply runs action a by actor on ticket id in the store (Rules.Step).
func (s *Service) apply(ctx context.Context, id string, a Action, actor string, mutate func(*Ticket) (*consultation.Room, error)) (Change, error) {
	return s.store.Apply(ctx, id, s.rules.Step(a, actor, mutate))
}
