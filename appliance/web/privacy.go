package web

import (
	"fmt"
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
// it is configured right now.
type privacyPage struct {
	config.Privacy
	Site    string
	Offices []officeRetention
	// Missing names the configuration fields an operator still has to fill.
	Missing []string
}

// officeRetention is one row of the retention table, already in words.
type officeRetention struct {
	Name         string
	Confidential bool
	Content      string // chat, files, notes
	Personal     string // name, concern
}

func (s *Server) pagePrivacy(w http.ResponseWriter, r *http.Request) {
	lang := langOf(r)
	p := privacyPage{Privacy: s.opt.Privacy, Site: s.opt.SiteName, Missing: s.opt.Privacy.Missing()}
	if strings.TrimSpace(p.Controller) == "" {
		p.Controller = s.opt.SiteName
	}
	if s.rec != nil {
		for _, st := range s.rec.Offices() {
			o, ok := s.rec.Office(st.ID)
			if !ok {
				continue
			}
			ret := s.opt.Retention
			if o.Retention != nil {
				ret = *o.Retention
			}
			if o.Confidential {
				ret.Content = 0 // deleted the moment the consultation ends
			}
			p.Offices = append(p.Offices, officeRetention{Name: o.Name, Confidential: o.Confidential,
				Content: afterEnd(lang, ret.Content), Personal: afterEnd(lang, ret.Personal)})
		}
	}
	s.render(w, r, 200, page{Title: tr(lang, "privacy.title"), Body: "privacy", Data: p})
}

// afterEnd says in words when data is deleted, counted from the end of
// the visit: "am Ende der Beratung", "24 Stunden nach dem Ende".
func afterEnd(lang string, d time.Duration) string {
	if d <= 0 {
		return tr(lang, "privacy.at_end")
	}
	return fmt.Sprintf(tr(lang, "privacy.after_end"), spell(lang, d))
}

// spell writes a retention period in whole days, hours or minutes.
func spell(lang string, d time.Duration) string {
	unit := func(n int64, de1, deN, en1, enN string) string {
		w := map[bool][2]string{true: {de1, en1}, false: {deN, enN}}[n == 1]
		if lang == "en" {
			return fmt.Sprintf("%d %s", n, w[1])
		}
		return fmt.Sprintf("%d %s", n, w[0])
	}
	switch {
	case d%(24*time.Hour) == 0 && d > 24*time.Hour:
		return unit(int64(d/(24*time.Hour)), "Tag", "Tage", "day", "days")
	case d%time.Hour == 0:
		return unit(int64(d/time.Hour), "Stunde", "Stunden", "hour", "hours")
	default:
		return unit(int64((d+time.Minute-1)/time.Minute), "Minute", "Minuten", "minute", "minutes")
	}
}

// privacyMessages are the privacy page's short strings (the long text is
// in templates/privacy.html, one block per language).
var privacyMessages = map[string][2]string{
	"privacy.title":     {"Datenschutz", "Privacy"},
	"privacy.link":      {"Datenschutz", "Privacy"},
	"privacy.at_end":    {"am Ende der Beratung", "at the end of the consultation"},
	"privacy.after_end": {"%s nach dem Ende", "%s after the end"},
}

// privacyTable hands the retention table its rows and its words (column
// heads, the confidential label and note) in the page's language.
func privacyTable(p privacyPage, words ...string) any {
	return struct {
		Offices []officeRetention
		H       []string
	}{p.Offices, words}
}

func init() {
	for k, v := range privacyMessages {
		messages[k] = v
	}
	templateFuncs["privacyTable"] = privacyTable
}
