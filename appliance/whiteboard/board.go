package whiteboard

import (
	"context"
	"fmt"
	"hash/maphash"
	"sync"
	"time"
)

// Store persists boards. Implementations must be safe for concurrent use;
// the Board serialises the operations of one room itself.
type Store interface {
	// WhiteboardItems returns a room's drawings in drawing order (by Seq),
	// with Author set, the Seq of its last operation (0 if none) and the
	// number of its operations.
	WhiteboardItems(ctx context.Context, room string) (items []Item, seq int64, ops int, err error)
	// WhiteboardOpCount returns the number of a room's operations.
	WhiteboardOpCount(ctx context.Context, room string) (int, error)
	// WhiteboardItem returns one drawing of a room, with Author set, or
	// ErrItemNotFound.
	WhiteboardItem(ctx context.Context, room, id string) (Item, error)
	// WhiteboardOp returns the operation of a room with that ID (Author
	// set, Item only for an add whose drawing is still there); ok is false
	// if there is none.
	WhiteboardOp(ctx context.Context, room, id string) (op Op, ok bool, err error)
	// AddWhiteboardOp records the operation and applies it in one
	// transaction (add stores op.Item, undo deletes the drawing op.Target,
	// clear deletes every drawing of the room) and returns its Seq, which
	// grows with every operation.
	AddWhiteboardOp(ctx context.Context, op Op) (seq int64, err error)
	// WhiteboardOpsSince returns up to limit of a room's operations with
	// Seq > after, in order; an add whose drawing is gone since has no
	// Item.
	WhiteboardOpsSince(ctx context.Context, room string, after int64, limit int) ([]Op, error)
}

// Board applies operations to the rooms' boards.
type Board struct {
	store Store
	now   func() time.Time
	// locks serialise the operations of a room (check, then write) without
	// one lock per room to clean up: rooms hash onto a fixed set.
	locks [64]sync.Mutex
	seed  maphash.Seed
}

// New returns a Board over store; now is the clock (nil: time.Now).
func New(store Store, now func() time.Time) *Board {
	if now == nil {
		now = time.Now
	}
	return &Board{store: store, now: now, seed: maphash.MakeSeed()}
}

func (b *Board) lock(room string) *sync.Mutex {
	return &b.locks[maphash.String(b.seed, room)%uint64(len(b.locks))]
}

// Apply checks op and applies it to room's board on behalf of who. It
// returns the operation as applied (with Seq). A re-sent operation (same
// ID, same author) returns the first one unchanged and applied=false; the
// same ID from somebody else is ErrIDTaken.
func (b *Board) Apply(ctx context.Context, room string, who Author, op Op) (out Op, applied bool, err error) {
	if err := check(&op); err != nil {
		return Op{}, false, err
	}
	op.Room, op.Author, op.At = room, who.Key, b.now()
	mu := b.lock(room)
	mu.Lock()
	defer mu.Unlock()
	old, ok, err := b.store.WhiteboardOp(ctx, room, op.ID)
	if err != nil {
		return Op{}, false, fmt.Errorf("whiteboard op %s: %w", op.ID, err)
	}
	if ok {
		if old.Author != who.Key {
			return Op{}, false, ErrIDTaken
		}
		return old, false, nil
	}
	n, err := b.store.WhiteboardOpCount(ctx, room)
	if err != nil {
		return Op{}, false, fmt.Errorf("whiteboard %s: %w", room, err)
	}
	if n >= MaxOps {
		return Op{}, false, ErrFull
	}
	switch op.Type {
	case OpUndo:
		it, err := b.store.WhiteboardItem(ctx, room, op.Target)
		if err != nil {
			return Op{}, false, err
		}
		if it.Author != who.Key {
			return Op{}, false, ErrNotYours
		}
	case OpClear:
		if !who.CanClear {
			return Op{}, false, ErrClearForbidden
		}
	}
	seq, err := b.store.AddWhiteboardOp(ctx, op)
	if err != nil {
		return Op{}, false, fmt.Errorf("whiteboard %s op: %w", op.Type, err)
	}
	op.Seq = seq
	if op.Item != nil {
		op.Item.Seq, op.Item.Author = seq, who.Key
	}
	return op, true, nil
}

// Snapshot returns room's board as reader sees it: their own drawings
// marked Mine.
func (b *Board) Snapshot(ctx context.Context, room string, reader Author) (Snapshot, error) {
	items, seq, n, err := b.store.WhiteboardItems(ctx, room)
	if err != nil {
		return Snapshot{}, fmt.Errorf("whiteboard %s: %w", room, err)
	}
	if items == nil {
		items = []Item{}
	}
	for i := range items {
		items[i].Mine = items[i].Author == reader.Key
	}
	return Snapshot{Seq: seq, Items: items, Ops: n, MaxOps: MaxOps}, nil
}

// Since returns the operations after seq, for a client that missed some
// (its drawings marked Mine for reader).
func (b *Board) Since(ctx context.Context, room string, reader Author, after int64) ([]Op, error) {
	ops, err := b.store.WhiteboardOpsSince(ctx, room, after, MaxOps)
	if err != nil {
		return nil, fmt.Errorf("whiteboard %s since %d: %w", room, after, err)
	}
	for _, op := range ops {
		if op.Item != nil {
			op.Item.Mine = op.Item.Author == reader.Key
		}
	}
	return ops, nil
}

// Op returns the operation with that seq of room's board as reader sees
// it (ok false if there is none), for the live delivery of an event that
// names it.
func (b *Board) Op(ctx context.Context, room string, reader Author, seq int64) (Op, bool, error) {
	ops, err := b.store.WhiteboardOpsSince(ctx, room, seq-1, 1)
	if err != nil {
		return Op{}, false, fmt.Errorf("whiteboard %s op %d: %w", room, seq, err)
	}
	if len(ops) == 0 || ops[0].Seq != seq {
		return Op{}, false, nil
	}
	op := ops[0]
	if op.Item != nil {
		op.Item.Mine = op.Item.Author == reader.Key
	}
	return op, true, nil
}
