package web

import (
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/config"
)

// AccessibilityPath is the accessibility statement (Erklärung zur
// Barrierefreiheit, BITV 2.0 § 7); every page links to it in its footer.
// /accessibility is the same page.
const AccessibilityPath = "/barrierefreiheit"

// accessibilityPage is what templates/accessibility.html renders: the
// configured contact, enforcement body, status and date.
type accessibilityPage struct {
	config.Accessibility
	Site string
	// Date is the configured date, written for the page's language.
	Date string
	// Tel is the tel: link of the contact phone (digits and + only, so
	// html/template may trust it).
	Tel template.URL
	// Missing names the configuration fields an operator still has to fill.
	Missing []string
}

func (s *Server) pageAccessibility(w http.ResponseWriter, r *http.Request) {
	lang := langOf(r)
	a := s.opt.Accessibility
	p := accessibilityPage{Accessibility: a, Site: s.opt.SiteName, Missing: a.Missing(s.opt.Privacy)}
	if strings.TrimSpace(p.ContactEmail) == "" {
		p.ContactEmail = s.opt.Privacy.ContactEmail
	}
	if p.Status == "" {
		p.Status = "partial"
	}
	if tel := strings.Map(func(r rune) rune {
		if r == '+' || r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, a.ContactPhone); tel != "" {
		p.Tel = template.URL("tel:" + tel)
	}
	if d, err := time.Parse(time.DateOnly, a.Date); err == nil {
		p.Date = d.Format("02.01.2006")
		if lang == "en" {
			p.Date = d.Format("2 January 2006")
		}
	}
	s.render(w, r, 200, page{Title: tr(lang, "a11y.title"), Body: "accessibility", Data: p})
}

// accessibilityMessages are the statement's strings; the same keys are in
// the catalogue (appliance/i18n/locales/a11y.<tag>.json) for every language.
var accessibilityMessages = map[string][2]string{
	"a11y.link":                {"Barrierefreiheit", "Accessibility"},
	"a11y.title":               {"Erklärung zur Barrierefreiheit", "Accessibility statement"},
	"a11y.intro":               {"Wir möchten, dass alle Menschen das Virtuelle Bürgerbüro nutzen können. Diese Erklärung gilt für alle Seiten dieses Angebots: die Liste der Ämter, das Anklopfen, den Warteraum, den Beratungsraum, die Einladungen sowie Anmeldung und Empfang für Mitarbeitende. Grundlage sind die Richtlinie (EU) 2016/2102 und die Barrierefreie-Informationstechnik-Verordnung (BITV 2.0).", "We want everyone to be able to use the virtual citizens' office. This statement applies to every page of this service: the list of offices, knocking, the waiting room, the consultation room, invitations, and the staff sign-in and reception. It is based on Directive (EU) 2016/2102 and the German Barrier-Free Information Technology Ordinance (BITV 2.0)."},
	"a11y.status.heading":      {"Stand der Vereinbarkeit mit den Anforderungen", "Compliance status"},
	"a11y.status.full":         {"Dieses Angebot ist mit den Anforderungen der BITV 2.0 (WCAG 2.1, Stufe AA) vollständig vereinbar.", "This service fully complies with BITV 2.0 (WCAG 2.1, level AA)."},
	"a11y.status.partial":      {"Dieses Angebot ist mit den Anforderungen der BITV 2.0 (WCAG 2.1, Stufe AA) weitgehend vereinbar. Die unten genannten Einschränkungen sind bekannt.", "This service largely complies with BITV 2.0 (WCAG 2.1, level AA). The limitations listed below are known."},
	"a11y.status.none":         {"Dieses Angebot ist mit den Anforderungen der BITV 2.0 (WCAG 2.1, Stufe AA) nicht vereinbar.", "This service does not comply with BITV 2.0 (WCAG 2.1, level AA)."},
	"a11y.limits.heading":      {"Nicht barrierefreie Inhalte", "Content that is not accessible"},
	"a11y.limits.captions":     {"Video und Ton der Beratung werden live übertragen und nicht untertitelt. Wenn Sie nicht hören oder nicht sprechen können, schreiben Sie bitte im Chat. Sie können auch um eine Dolmetscherin oder einen Dolmetscher für Gebärdensprache bitten.", "Video and sound of the consultation are live and not captioned. If you cannot hear or speak, please use the chat. You can also ask for a sign language interpreter."},
	"a11y.method.heading":      {"Erstellung dieser Erklärung", "How this statement was prepared"},
	"a11y.method":              {"Die Erklärung beruht auf einer Selbstbewertung. Jede Version der Software wird automatisch mit dem Prüfwerkzeug axe-core gegen WCAG 2.1 (Stufen A und AA) geprüft, auf deutschen und arabischen Seiten und bei schmalen und breiten Bildschirmen. Die Bedienung nur mit der Tastatur und die Ansagen für Screenreader werden ebenfalls automatisch geprüft.", "This statement is based on a self-assessment. Every version of the software is checked automatically with the axe-core tool against WCAG 2.1 (levels A and AA), on German and Arabic pages, on narrow and wide screens. Keyboard-only use and screen reader announcements are also checked automatically."},
	"a11y.date":                {"Stand dieser Erklärung:", "Date of this statement:"},
	"a11y.feedback.heading":    {"Barrieren melden: Feedback und Kontakt", "Report a barrier: feedback and contact"},
	"a11y.feedback":            {"Ist Ihnen eine Barriere aufgefallen? Oder brauchen Sie Informationen in einer barrierefreien Form? Dann schreiben Sie uns oder rufen Sie uns an.", "Have you found a barrier? Or do you need information in an accessible form? Please write to us or call us."},
	"a11y.email":               {"E-Mail:", "E-mail:"},
	"a11y.phone":               {"Telefon:", "Phone:"},
	"a11y.enforcement.heading": {"Durchsetzungsverfahren", "Enforcement procedure"},
	"a11y.enforcement":         {"Wenn Sie auf Ihre Meldung keine zufriedenstellende Antwort erhalten, können Sie sich an diese Stelle wenden. Das Verfahren ist kostenlos.", "If you do not receive a satisfactory answer to your report, you can contact this body. The procedure is free of charge."},
	"a11y.missing":             {"Hinweis für den Betrieb: In der Konfiguration fehlen noch:", "Note for the operator: these configuration fields are still missing:"},
}

func init() {
	for k, v := range accessibilityMessages {
		messages[k] = v
	}
}
