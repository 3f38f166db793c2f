// Package notify owns the messages the appliance sends to citizens by
// e-mail and SMS: the durable outbox they wait in, their rendering through
// the message catalogue (text, HTML, an iCalendar attachment), and their
// delivery with retries. It knows nothing of how a booking is made; the
// domain that causes a message builds a Message and stores it in the same
// transaction as its own change.
package notify

import "time"

// Kind says which message a citizen gets.
type Kind string

// The messages of the appointment flow.
const (
	KindCode          Kind = "code"           // the confirmation code of a hold (double opt-in)
	KindConfirmation  Kind = "confirmation"   // the booking is confirmed (with .ics REQUEST)
	KindReminder      Kind = "reminder"       // before the slot (default 24 h and 15 min)
	KindCancellation  Kind = "cancellation"   // cancelled by citizen or clerk (with .ics CANCEL)
	KindWaitlistOffer Kind = "waitlist_offer" // a freed slot offered to the waitlist
)

// Channel is how a message travels.
type Channel string

// Channels.
const (
	ChannelEmail Channel = "email"
	ChannelSMS   Channel = "sms"
)

// Message is one outgoing message as stored in the outbox (table outbox,
// migration 0005). Everything needed to render it is in it: delivery never
// reads the booking again, which may have been purged in between.
type Message struct {
	// DedupeKey makes the message exist once, e.g. "confirmation:<booking id>:<sequence>".
	DedupeKey string  `json:"-"`
	Kind      Kind    `json:"kind"`
	Channel   Channel `json:"channel"`
	// Recipient is the e-mail address or the mobile number (E.164).
	Recipient string `json:"-"`
	// Lang is the booking's language tag (catalogue), e.g. "de", "ar".
	Lang string `json:"lang"`

	Office      string        `json:"office"`             // office name
	Service     string        `json:"service,omitempty"`  // service name
	Start       time.Time     `json:"start,omitzero"`     // slot start
	Duration    time.Duration `json:"duration,omitempty"` // slot length
	WhatToBring string        `json:"what_to_bring,omitempty"`
	Code        string        `json:"code,omitempty"`   // confirmation code (KindCode)
	Expires     time.Time     `json:"expires,omitzero"` // hold or offer deadline
	Reason      string        `json:"reason,omitempty"` // a clerk's cancellation message
	JoinURL     string        `json:"join_url,omitempty"`
	CancelURL   string        `json:"cancel_url,omitempty"`
	RebookURL   string        `json:"rebook_url,omitempty"`
	AcceptURL   string        `json:"accept_url,omitempty"` // waitlist offer
	// UID and Sequence identify the calendar event across confirmation and
	// cancellation (iCalendar UID / SEQUENCE).
	UID      string `json:"uid,omitempty"`
	Sequence int    `json:"sequence,omitempty"`
}
