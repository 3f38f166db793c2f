package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/config"
)

// PrivacyPath is the privacy page (information per DSGVO Art. 13); every
// citizen page links to it. /privacy is the same page.
const PrivacyPath = "/datenschutz"

// privacyPage is what templates/privacy.html renders: the configured
// controller and data-protection officer, and each office's retention as
// it is configured right now. Its text is in the catalogue (privacy.*).
type privacyPage struct {
	config.Privacy
	Site    string
	Offices []officeRetention
	// Missing names the configuration fields an operator still has to fill.
	Missing []string
	// Booking says when a booking's contact and concern, and the messages
	// sent about it, are deleted; empty when the site books nothing.
	Booking, Messages string
}

// officeRetention is one row of the retention table, already in words.
type officeRetention struct {
	Name         string
	Confidential bool
	Content      string // chat, files, notes
	Personal     string // name, concern
}

func (s *Server) pagePrivacy(w http.ResponseWriter, r *http.Request) {
	pl := s.pageLang(r)
	p := privacyPage{Privacy: s.opt.Privacy, Site: s.siteName(), Missing: s.opt.Privacy.Missing()}
	if strings.TrimSpace(p.Controller) == "" {
		p.Controller = s.siteName()
	}
	if s.rec != nil {
		for _, st := range s.rec.Offices() {
			o, ok := s.rec.Office(st.ID)
			if !ok {
				continue
			}
			ret := s.defaultRetention()
			if o.Retention != nil {
				ret = *o.Retention
			}
			if o.Confidential {
				ret.Content = 0 // deleted the moment the consultation ends
			}
			p.Offices = append(p.Offices, officeRetention{Name: o.Name, Confidential: o.Confidential,
				Content: afterEnd(pl, ret.Content), Personal: afterEnd(pl, ret.Personal)})
		}
	}
	if s.opt.Bookable || len(s.bookableOffices()) > 0 { // an office may gain services in the web administration
		p.Booking = afterAppointment(pl, s.opt.BookingRetention)
		if s.opt.MessageKeep > 0 {
			p.Messages = pl.T("privacy.messages_kept", "Days", max(1, int((s.opt.MessageKeep+23*time.Hour)/(24*time.Hour))))
		}
	}
	s.render(w, r, 200, page{Title: "privacy.title", Body: "privacy", Data: p})
}

// afterEnd says in words when data is deleted, counted from the end of
// the visit: "am Ende der Beratung", "24 Stunden nach dem Ende".
func afterEnd(pl pageLang, d time.Duration) string {
	if d <= 0 {
		return pl.T("privacy.at_end")
	}
	return pl.T(spell(d))
}

// spell picks the message for a retention period in whole days, hours or
// minutes and its count: privacy.after_days and so on, with Count.
func spell(d time.Duration) (string, string, int) {
	switch {
	case d%(24*time.Hour) == 0 && d > 24*time.Hour:
		return "privacy.after_days", "Count", int(d / (24 * time.Hour))
	case d%time.Hour == 0:
		return "privacy.after_hours", "Count", int(d / time.Hour)
	default:
		return "privacy.after_minutes", "Count", int((d + time.Minute - 1) / time.Minute)
	}
}

// afterAppointment says when a booking's contact data is deleted.
func afterAppointment(pl pageLang, d time.Duration) string {
	return pl.T("privacy.booking_deleted", "Days", max(1, int((d+23*time.Hour)/(24*time.Hour))))
}
