package reception

import (
	"context"
	"time"
)

// Event is one entry of the persistent staff event stream.
type Event struct {
	Seq      int64     `json:"seq"`
	Type     string    `json:"type"` // ticket, message, presence
	OfficeID string    `json:"office_id,omitempty"`
	RoomID   string    `json:"room_id,omitempty"`
	At       time.Time `json:"at"`
	Payload  []byte    `json:"-"` // JSON of the event body
	// Node is the process that wrote the event ("" for events written
	// without one); a follower skips its own (follow.go).
	Node string `json:"-"`
}

// Events returns staff stream events after seq.
func (s *Service) Events(ctx context.Context, since int64, limit int) ([]Event, error) {
	return s.store.Events(ctx, since, limit)
}

// PublishPresence appends a presence event to the staff stream.
func (s *Service) PublishPresence(ctx context.Context, payload []byte) error {
	_, err := s.store.AddEvent(ctx, "presence", payload)
	s.Hub.wakeEvents()
	return err
}

// LastEventSeq returns the newest event sequence number.
func (s *Service) LastEventSeq(ctx context.Context) (int64, error) {
	return s.store.LastEventSeq(ctx)
}
