package reception

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/staff"
)

// Several nodes share one database (PostgreSQL); each keeps its own
// replica of the queue and its own live connections. A node applies its
// own changes when it commits them (committed); the changes of the other
// nodes it reads from the event stream by sequence number: Follow loads
// each changed ticket, applies it to the replica and pushes the views to
// this node's live connections and staff streams, adds ended
// consultations to the estimator and ends the media of closed rooms
// (RoomEnded: media is per node). The origin node's side effects (rooms
// closed in the store, presence saved, metrics counted, visitEnded) are
// not repeated: they happened once, where the change was made.

// followBatch is how many events one read of the stream takes.
const followBatch = 500

// followSafety is how often the stream is read without a wake-up.
const followSafety = 10 * time.Second

// followRetry is the pause before the stream is read again after a
// failed read (the database is unreachable for a moment).
const followRetry = time.Second

// tickedEvent is the part of a ticket event's payload a follower needs.
type tickedEvent struct {
	Action     Action `json:"action"`
	FromOffice string `json:"from_office"`
	Ticket     struct {
		ID string `json:"id"`
	} `json:"ticket"`
}

// Follow applies the changes other nodes commit after event from until
// ctx ends; take from (LastEventSeq) before Start loads the queue, so no
// change falls between the two. node is this process's name in the events
// it writes (the store's); wake receives a value whenever some node may
// have committed events (the store's Listen); reads are by sequence
// number, so wake-ups may be merged or spurious. Call it once.
func (s *Service) Follow(ctx context.Context, node string, from int64, wake <-chan struct{}) {
	s.q.track()
	cursor := from
	kick := s.follow.start(from)
	// a notification lost on the way (a proxy that drops them) delays a
	// change by this much at most, instead of for good
	safety := time.NewTicker(followSafety)
	defer safety.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-wake:
		case <-kick:
		case <-safety.C:
		}
		for {
			next, n, err := s.followOnce(ctx, node, cursor)
			cursor = next
			s.follow.reached(cursor)
			if err != nil {
				if !s.pause(ctx, "follow", err) {
					return
				}
				continue
			}
			if n < followBatch {
				break
			}
		}
	}
}

// followProgress is how far the follower has read, for those who must
// see every change committed before theirs (a knock's place).
type followProgress struct {
	mu    sync.Mutex
	at    int64         // the highest sequence number read
	moved chan struct{} // closed when at grows
	kick  chan struct{} // asks the follower to read now; nil: no follower
}

// followWait bounds how long an answer waits for the follower; after it
// the answer goes out as the replica has it, and the live connection
// corrects it when the change arrives.
const followWait = 2 * time.Second

func (f *followProgress) start(from int64) <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.at, f.moved, f.kick = from, make(chan struct{}), make(chan struct{}, 1)
	return f.kick
}

func (f *followProgress) reached(seq int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if seq > f.at {
		f.at = seq
		close(f.moved)
		f.moved = make(chan struct{})
	}
}

// caughtUp waits until the follower has read the events up to seq (this
// node's own change, committed after everything before it); at once on a
// single node, where there is no follower.
func (f *followProgress) caughtUp(ctx context.Context, seq int64) {
	f.mu.Lock()
	kick := f.kick
	f.mu.Unlock()
	if kick == nil || seq == 0 {
		return
	}
	select {
	case kick <- struct{}{}:
	default: // a read is asked for already
	}
	limit := time.NewTimer(followWait)
	defer limit.Stop()
	for {
		f.mu.Lock()
		at, moved := f.at, f.moved
		f.mu.Unlock()
		if at >= seq {
			return
		}
		select {
		case <-moved:
		case <-limit.C:
			return
		case <-ctx.Done():
			return
		}
	}
}

// pause logs a failed read and waits before the next try; false when ctx
// ended.
func (s *Service) pause(ctx context.Context, what string, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	s.log.Warn(what, "err", err)
	t := time.NewTimer(followRetry)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// followOnce applies one batch of events after cursor and returns the new
// cursor and how many events were read.
func (s *Service) followOnce(ctx context.Context, node string, cursor int64) (int64, int, error) {
	evs, err := s.store.Events(ctx, cursor, followBatch)
	if err != nil {
		return cursor, 0, err
	}
	for _, e := range evs {
		if e.Node != node {
			if err := s.applyEvent(ctx, e); err != nil {
				return cursor, 0, err
			}
		}
		cursor = e.Seq
	}
	if len(evs) > 0 {
		s.q.forget(cursor)
		s.refreshGauges()
		s.Hub.wakeEvents()
	}
	return cursor, len(evs), nil
}

// applyEvent applies another node's event: a changed ticket, changed
// offices and settings read again, a changed clerk read again.
func (s *Service) applyEvent(ctx context.Context, e Event) error {
	switch e.Type {
	case "ticket":
		return s.applyRemote(ctx, e)
	case EventOffices:
		reload := s.ReloadOffices
		if s.ReloadSettings != nil {
			reload = s.ReloadSettings
		}
		if err := reload(ctx); err != nil {
			return err
		}
		s.RefreshAll()
	case EventClerk:
		s.reloadClerk(ctx, e)
	}
	return nil
}

// EventClerk is the event type that tells the other nodes a clerk's
// presence (or memberships) changed (ClerkChanged); staff streams do not
// show it. Its payload names the clerk's login, nothing else.
const EventClerk = "clerk"

type clerkEvent struct {
	Login string `json:"login"`
}

// ClerkChanged records a clerk's presence and memberships (UpdateClerk)
// and tells the other nodes to read the clerk again, so every node counts
// the same clerks on duty when it takes a knock.
func (s *Service) ClerkChanged(ctx context.Context, c staff.Clerk) error {
	s.UpdateClerk(c)
	payload, err := json.Marshal(clerkEvent{Login: c.Login})
	if err != nil {
		return err
	}
	_, err = s.store.AddEvent(ctx, EventClerk, payload)
	return err
}

// reloadClerk reads a clerk another node changed (LoadClerk).
func (s *Service) reloadClerk(ctx context.Context, e Event) {
	var p clerkEvent
	if s.LoadClerk == nil || json.Unmarshal(e.Payload, &p) != nil || p.Login == "" {
		return
	}
	c, err := s.LoadClerk(ctx, p.Login)
	if err != nil {
		// deleted since, or unreadable now: the next change reads it again
		s.log.Warn("follow: clerk changed on another node", "err", err)
		return
	}
	s.UpdateClerk(c)
}

// EventOffices is the event type that tells the other nodes to read the
// offices and the site's settings again (AnnounceOffices); staff streams
// do not show it.
const EventOffices = "offices"

// AnnounceOffices tells the other nodes that offices or site settings
// changed (the web administration saved them): their followers read them
// again (ReloadSettings, else ReloadOffices).
func (s *Service) AnnounceOffices(ctx context.Context) error {
	_, err := s.store.AddEvent(ctx, EventOffices, []byte(`{}`))
	return err
}

// applyRemote brings the replica and this node's live connections up to
// date with a ticket another node changed. The ticket is read as it is
// now, which is at least as new as the event.
func (s *Service) applyRemote(ctx context.Context, e Event) error {
	var p tickedEvent
	if err := json.Unmarshal(e.Payload, &p); err != nil || p.Ticket.ID == "" {
		return nil // not a change a replica holds
	}
	t, err := s.store.Ticket(ctx, p.Ticket.ID)
	if errors.Is(err, ErrTicketNotFound) {
		return nil // forgotten since; nothing to show
	}
	if err != nil {
		return err
	}
	prev, _ := s.q.get(t.ID)
	offices, ok := s.q.applyAt(t, p.FromOffice, e.Seq)
	if !ok {
		return nil
	}
	// the clerk's presence as the origin node set it, without saving it
	// again (PresenceChanged ran there)
	if p.Action == ActAdmit {
		s.mirrorPresence(t.Clerk, staff.PresenceInConsultation)
	}
	if busy(prev.State) && !busy(t.State) {
		s.mirrorPresence(prev.Clerk, staff.PresenceAvailable)
	}
	// media is per node: whatever of the room this node carries ends too
	if room := prev.RoomID; room != "" && (room != t.RoomID || t.State.Final()) && s.RoomEnded != nil {
		s.RoomEnded(room)
	}
	if (p.Action == ActEnd || p.Action == ActHangUp) && !t.StartedAt.IsZero() {
		// every node estimates waits from every node's consultations
		s.est.Add(Sample{OfficeID: t.OfficeID, EndedAt: t.EndedAt, Duration: t.EndedAt.Sub(t.StartedAt)})
	}
	s.Hub.deliver(t.ID, s.view(t))
	for _, o := range offices {
		s.pushOffice(o, t.ID)
	}
	return nil
}
