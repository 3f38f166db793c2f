// Package consultation owns rooms: the staff who take part in them
// (members), invited externals (participants) with their invites and
// sessions, chat messages, system notices and files, who may use the
// room's whiteboard (the board itself is package whiteboard's), the rules who may
// read and act in a room (participants only; an office lead or admin joins
// explicitly and visibly), each member's role and rights, and closing a
// room (invites and external sessions void at once, content deleted as the
// caller's retention says).
//
// The reception opens and closes consultation rooms; permanent rooms and
// events are meant to reuse this package (Room.Kind). The consultation does
// not import the reception: what it must ask about people and offices it
// asks through Directory.
//
// Atomicity: a consultation room is created by the reception inside the
// ticket's transaction. The reception builds it with NewConsultation and
// returns it from the mutate function of its store's Apply, which inserts
// the rooms row in the same transaction as the ticket's admission (and
// sets ended_at in the transaction that takes the ticket out of the room),
// so a crash never leaves an admitted ticket without its room. Close then
// only voids access and deletes content; both are idempotent and safe to
// repeat.
package consultation

import (
	"context"
	"errors"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/documents"
	"github.com/buergerbuero/buergerbuero/appliance/staff"
	"github.com/buergerbuero/buergerbuero/appliance/whiteboard"
)

// Directory is the port through which the consultation asks its owner (the
// reception) about people and offices; the reception implements it.
type Directory interface {
	// Citizen proves by a ticket token that its holder may enter roomID
	// now; it returns their identity (ticket number) and chat name.
	Citizen(ctx context.Context, roomID, ticketID, token string) (identity, name string, err error)
	// Clerk returns a member of staff by login as known right now.
	Clerk(login string) (staff.Clerk, bool)
	// Confidential reports whether an office works in confidential mode
	// (an unknown office counts as confidential).
	Confidential(officeID string) bool
	// Concern returns the concern of a ticket as the citizen gave it.
	Concern(ctx context.Context, ticketID string) (string, error)
}

// Settings tune the consultation (from the configuration).
type Settings struct {
	MaxUpload int64
	InviteTTL time.Duration
	// Roles are the rights of the external roles per office.
	Roles Policy
}

// Service is the consultation.
type Service struct {
	store Store
	docs  *documents.Checker // see SetDocuments
	set   Settings
	dir   Directory
	wake  func()
	now   func() time.Time
	// captions are the written interpreters' live captions, in memory only
	captions captionRooms
	// board and pointers are the rooms' whiteboards (whiteboard.go)
	board    *whiteboard.Board
	pointers *whiteboard.Pointers
}

// New creates the consultation. dir answers about people and offices;
// wake (may be nil) is called after a message was stored, so event
// streams look for it.
func New(st Store, set Settings, dir Directory, wake func()) *Service {
	if set.InviteTTL == 0 {
		set.InviteTTL = 2 * time.Hour
	}
	if wake == nil {
		wake = func() {}
	}
	docs, _ := documents.New(documents.Config{MaxSize: set.MaxUpload}, nil) // no scanner: cannot fail
	s := &Service{store: st, set: set, dir: dir, wake: wake, now: time.Now, docs: docs, pointers: whiteboard.NewPointers()}
	s.board = whiteboard.New(st, func() time.Time { return s.now() })
	return s
}

// SetClock replaces the clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// Actor is a member of staff, or a service client acting (Via) as one.
type Actor struct {
	Clerk staff.Clerk
	Via   string // name of the service client (e.g. "matrix-bridge"), or ""
}

// AuditName is how the audit log names the actor.
func (a Actor) AuditName() string {
	if a.Via != "" {
		return a.Clerk.Login + " via " + a.Via
	}
	return a.Clerk.Login
}

// Room returns a room.
func (s *Service) Room(ctx context.Context, id string) (Room, error) {
	return s.store.Room(ctx, id)
}

// Close runs when a room closes (for a consultation: end, return,
// forward, decline, hang-up; its ended_at is already set by the ticket's
// transaction): invites and external sessions are void at once; the chat
// and files are deleted now unless keepContent (the office's retention
// keeps content, and it is not confidential).
func (s *Service) Close(ctx context.Context, roomID string, keepContent bool) error {
	s.captions.drop(roomID)
	err := s.store.EndRoomAccess(ctx, roomID)
	if !keepContent {
		err = errors.Join(err, s.store.DeleteRoomContent(ctx, roomID))
	}
	return err
}

// MaxMessage is the longest chat message (runes).
const MaxMessage = 2000
