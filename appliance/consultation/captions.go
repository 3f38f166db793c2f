package consultation

import (
	"context"
	"strings"
	"sync"

	"github.com/buergerbuero/buergerbuero/appliance/problem"
	"github.com/buergerbuero/buergerbuero/appliance/text"
)

// Live captions: the written interpreter types what is said, and every
// member sees it in the room's caption area. A caption is a short line,
// sent while it is typed (not final) and once more when the line is done
// (final). Only the last few lines of a room are kept, in memory: they
// are never written to disk, and Close drops them, so captions never
// outlive the room (whatever the office's content retention).

const (
	// MaxCaption is the longest caption line (runes).
	MaxCaption = 300
	// keptCaptionLines is how many lines a room keeps (late joiners see them).
	keptCaptionLines = 6
)

// CaptionLine is one line of captions; ID is chosen by the writer and
// increases with each new line.
type CaptionLine struct {
	ID    int64  `json:"id"`
	Text  string `json:"text"`
	Final bool   `json:"final"`
}

// Captions are a room's recent caption lines, oldest first; Seq grows with
// every change.
type Captions struct {
	Seq   int64         `json:"seq"`
	Lines []CaptionLine `json:"lines"`
}

type captionRoom struct {
	c       Captions
	changed chan struct{} // closed at the next change
}

type captionRooms struct {
	mu    sync.Mutex
	rooms map[string]*captionRoom
}

func (cr *captionRooms) room(id string) *captionRoom {
	if cr.rooms == nil {
		cr.rooms = map[string]*captionRoom{}
	}
	r := cr.rooms[id]
	if r == nil {
		r = &captionRoom{c: Captions{Lines: []CaptionLine{}}, changed: make(chan struct{})}
		cr.rooms[id] = r
	}
	return r
}

// drop forgets a room's captions and wakes its readers.
func (cr *captionRooms) drop(id string) {
	cr.mu.Lock()
	defer cr.mu.Unlock()
	if r := cr.rooms[id]; r != nil {
		close(r.changed)
		delete(cr.rooms, id)
	}
}

// PostCaption sets caption line id to text: a new line, or the line being
// typed. Only a written interpreter writes captions.
func (s *Service) PostCaption(_ context.Context, r Room, m Member, id int64, line string, final bool) (Captions, error) {
	if !r.EndedAt.IsZero() {
		return Captions{}, ErrRoomClosed
	}
	if m.Role != RoleWrittenInterpreter {
		return Captions{}, ErrForbiddenByRole
	}
	if id < 1 {
		return Captions{}, problem.Invalid("id", "caption_id", nil)
	}
	line = text.Clean(strings.NewReplacer("\n", " ", "\t", " ").Replace(line))
	if err := text.CheckLen("text", line, 0, MaxCaption); err != nil {
		return Captions{}, err
	}
	s.captions.mu.Lock()
	defer s.captions.mu.Unlock()
	cr := s.captions.room(r.ID)
	lines := cr.c.Lines
	i := len(lines) - 1
	for i >= 0 && lines[i].ID != id {
		i--
	}
	switch {
	case i >= 0:
		lines[i] = CaptionLine{ID: id, Text: line, Final: final}
	case len(lines) > 0 && id < lines[len(lines)-1].ID:
		return copyCaptions(cr.c), nil // a late update of a line already gone
	default:
		lines = append(lines, CaptionLine{ID: id, Text: line, Final: final})
		if len(lines) > keptCaptionLines {
			lines = append([]CaptionLine(nil), lines[len(lines)-keptCaptionLines:]...)
		}
	}
	cr.c.Lines = lines
	cr.c.Seq++
	close(cr.changed)
	cr.changed = make(chan struct{})
	return copyCaptions(cr.c), nil
}

// Captions returns a room's captions and a channel closed at their next
// change (or when the room closes).
func (s *Service) Captions(r Room) (Captions, <-chan struct{}) {
	s.captions.mu.Lock()
	defer s.captions.mu.Unlock()
	cr := s.captions.room(r.ID)
	return copyCaptions(cr.c), cr.changed
}

func copyCaptions(c Captions) Captions {
	c.Lines = append([]CaptionLine{}, c.Lines...)
	return c
}
