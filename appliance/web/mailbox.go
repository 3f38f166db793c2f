package web

import (
	"net/http"

	"github.com/buergerbuero/buergerbuero/appliance/notify"
)

// DemoMailboxPath shows the demo's mailbox: the e-mails the demo would
// have sent (booking codes, confirmations with the join link, reminders),
// so a visitor can try the booking loop without a mail relay. Only
// `buergerbuero demo` serves it.
const DemoMailboxPath = "/demo/mailbox"

// Mailbox is the demo's kept e-mails, newest first.
type Mailbox interface {
	Mails() []notify.MailboxMail
}

func (s *Server) pageMailbox(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, page{Title: "mailbox.title", Body: "mailbox", Mails: s.opt.Mailbox.Mails()})
}
