package notify

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Mailbox is the demo's post office: instead of sending e-mails it keeps
// the last few, rendered exactly as they would be sent, in memory, so the
// demo's booking loop (code, confirmation, join link) works without a mail
// relay. `buergerbuero demo` uses it; `serve` never does.
type Mailbox struct {
	r     *Renderer
	max   int
	mu    sync.Mutex
	mails []MailboxMail
}

// MailboxMail is one kept e-mail.
type MailboxMail struct {
	At                time.Time
	To, Subject, Text string
	Lang              string
}

// NewMailbox keeps the newest max e-mails.
func NewMailbox(r *Renderer, max int) *Mailbox { return &Mailbox{r: r, max: max} }

// Send keeps m instead of sending it.
func (b *Mailbox) Send(_ context.Context, m Message) error {
	e, err := b.r.Email(m)
	if err != nil {
		return Permanent(err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.mails = append(b.mails, MailboxMail{At: time.Now(), To: m.Recipient, Subject: e.Subject, Text: e.Text, Lang: b.r.localizer(m).Tag().String()})
	if len(b.mails) > b.max {
		b.mails = slices.Delete(b.mails, 0, len(b.mails)-b.max)
	}
	return nil
}

// Mails returns the kept e-mails, newest first.
func (b *Mailbox) Mails() []MailboxMail {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := slices.Clone(b.mails)
	slices.Reverse(out)
	return out
}
