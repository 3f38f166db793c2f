// Package whiteboard owns the shared canvas of a room: the drawings on it
// (freehand strokes, lines, rectangles, ellipses, arrows, text), the
// operations that change it (add with an ID the author chose, undo of
// one's own drawing, clear by the room's host) and their rules: bounded
// sizes, coordinates normalised to 0..1 so that screens of every size
// agree, colours from a fixed palette, and idempotent re-sends. A snapshot
// with a sequence number lets a late joiner catch up. It persists through
// the Store it defines and knows nothing of rooms' access rules: the
// caller says who the author is and whether they may clear. The laser
// pointer is ephemeral and never reaches this package's store.
package whiteboard

import (
	"encoding/json"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/problem"
)

// Kind is what a drawing is.
type Kind string

// Kinds of drawings. A stroke has 1..MaxPoints points, a line, rectangle,
// ellipse or arrow has two (start and end, or two opposite corners), a
// text has one (its top start corner) and a text.
const (
	KindStroke  Kind = "stroke"
	KindLine    Kind = "line"
	KindRect    Kind = "rect"
	KindEllipse Kind = "ellipse"
	KindArrow   Kind = "arrow"
	KindText    Kind = "text"
)

// Kinds lists the drawings the board accepts.
var Kinds = []string{string(KindStroke), string(KindLine), string(KindRect), string(KindEllipse), string(KindArrow), string(KindText)}

// Palette is the fixed set of colours by name; the client maps each to its
// shade (dark enough on white for the contrast the accessibility rules ask
// of graphics).
var Palette = []string{"black", "blue", "red", "green", "orange", "purple"}

// OpType is what an operation does.
type OpType string

// Operations on a board.
const (
	OpAdd   OpType = "add"
	OpUndo  OpType = "undo"
	OpClear OpType = "clear"
)

// Bounds of a board.
const (
	// MaxPoints is the most points of one stroke; a client splits longer ones.
	MaxPoints = 2000
	// MaxOps is the most operations a room's board takes (adds, undos and
	// clears together); then it is full for the rest of the room's life.
	MaxOps = 5000
	// MaxText is the longest text of a text drawing (characters).
	MaxText = 200
	// MaxSize is the thickest pen (sizes 1..MaxSize; the client scales
	// them with the canvas width).
	MaxSize = 8
	// MaxID is the longest operation ID (ASCII letters, digits, - and _).
	MaxID = 64
)

// Point is x and y in 0..1 of the canvas's width and height and the pen's
// pressure in 0..1 (0: unknown). On the wire it is [x, y, p]; [x, y] is
// read with p = 0.
type Point [3]float64

// Item is one drawing on the board. Its ID is the ID of the operation that
// added it.
type Item struct {
	ID     string  `json:"id"`
	Kind   Kind    `json:"kind"`
	Color  string  `json:"color"`
	Size   int     `json:"size"`
	Points []Point `json:"points"`
	Text   string  `json:"text,omitempty"`
	// Seq is the sequence number of the operation that added it.
	Seq int64 `json:"seq"`
	// Mine is set for the reader who drew it (Snapshot).
	Mine bool `json:"mine,omitempty"`
	// Author is the opaque key of who drew it (Author.Key); never sent.
	Author string `json:"-"`
}

// Op is one operation on a room's board. ID is chosen by its author
// (unique in the room); a second operation with the same ID from the same
// author is the first one re-sent and changes nothing.
type Op struct {
	Seq    int64  `json:"seq"`
	Type   OpType `json:"op"`
	ID     string `json:"id"`
	Item   *Item  `json:"item,omitempty"`
	Target string `json:"target,omitempty"` // undo: the item's ID
	// Room, Author and At are set by the board.
	Room   string    `json:"-"`
	Author string    `json:"-"`
	At     time.Time `json:"-"`
}

// Snapshot is a board's state for a late joiner: the drawings in drawing
// order and the sequence number of the last operation applied. Operations
// with a higher Seq come after it.
type Snapshot struct {
	Seq    int64  `json:"seq"`
	Items  []Item `json:"items"`
	Ops    int    `json:"ops"`     // operations so far
	MaxOps int    `json:"max_ops"` // the board's bound
}

// Author is who applies an operation: Key identifies them across
// reconnects (role and identity in the room; kept opaque); CanClear is
// true for the room's clerk or host.
type Author struct {
	Key      string
	CanClear bool
}

// Problems of the board; the web layer maps kinds to HTTP status.
var (
	ErrClearForbidden = problem.New(problem.KindForbidden, "whiteboard_clear_forbidden")
	ErrNotYours       = problem.New(problem.KindForbidden, "whiteboard_not_yours")
	ErrItemNotFound   = problem.New(problem.KindNotFound, "whiteboard_item_not_found")
	ErrFull           = problem.New(problem.KindFull, "whiteboard_full")
	ErrIDTaken        = problem.New(problem.KindConflict, "whiteboard_id_taken")
)

// Event is the JSON body of a whiteboard event on the event stream,
// written with the operation: it says only that the board changed (room
// and seq); the drawing itself is fetched per reader (Board.Op).
func Event(roomID string, seq int64) []byte {
	b, _ := json.Marshal(event{Whiteboard: eventRef{RoomID: roomID, Seq: seq}})
	return b
}

type event struct {
	Whiteboard eventRef `json:"whiteboard"`
}

type eventRef struct {
	RoomID string `json:"room_id"`
	Seq    int64  `json:"seq"`
}
