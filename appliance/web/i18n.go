package web

import (
	"html/template"
	"net/http"
	"strings"
	"time"
)

// langOf picks the user's language: ?lang=, then the bb_lang cookie, then
// Accept-Language; German is the default.
func langOf(r *http.Request) string {
	if l := r.URL.Query().Get("lang"); l == "de" || l == "en" {
		return l
	}
	if c, err := r.Cookie("bb_lang"); err == nil && (c.Value == "de" || c.Value == "en") {
		return c.Value
	}
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag := strings.ToLower(strings.TrimSpace(strings.SplitN(part, ";", 2)[0]))
		switch {
		case strings.HasPrefix(tag, "de"):
			return "de"
		case strings.HasPrefix(tag, "en"):
			return "en"
		}
	}
	return "de"
}

// messages are the user-interface strings; German first.
var messages = map[string][2]string{
	"skip":                {"Zum Inhalt springen", "Skip to content"},
	"offices":             {"Ämter", "Offices"},
	"offices.intro":       {"Wählen Sie ein Amt. Sie sehen, ob es geöffnet ist und wie lange Sie ungefähr warten. Sie brauchen kein Konto und keine App.", "Choose an office. You can see whether it is open and roughly how long you will wait. No account or app needed."},
	"open":                {"Geöffnet", "Open"},
	"closed":              {"Geschlossen", "Closed"},
	"closes":              {"schließt um", "closes at"},
	"opens":               {"öffnet", "opens"},
	"waiting":             {"Wartende", "Waiting"},
	"chairs.free":         {"Freie Plätze", "Free desks"},
	"estimate":            {"Geschätzte Wartezeit", "Estimated wait"},
	"minutes":             {"Min.", "min"},
	"knock":               {"Anklopfen", "Knock"},
	"knock.title":         {"Anklopfen bei", "Knock at"},
	"knock.intro":         {"Beschreiben Sie kurz Ihr Anliegen. Danach warten Sie im virtuellen Warteraum, bis Sie aufgerufen werden. Bitte lassen Sie diese Seite geöffnet.", "Briefly describe your concern. You will then wait in the virtual waiting room until you are called. Please keep this page open."},
	"concern":             {"Ihr Anliegen", "Your concern"},
	"concern.hint":        {"3 bis 500 Zeichen, z. B. „Bauantrag für eine Garage“.", "3 to 500 characters, e.g. “building permit for a garage”."},
	"name":                {"Ihr Name (freiwillig)", "Your name (optional)"},
	"name.hint":           {"Nur wenn Sie mit Namen angesprochen werden möchten.", "Only if you would like to be addressed by name."},
	"language":            {"Sprache des Gesprächs", "Language of the conversation"},
	"notaccepting":        {"Zurzeit werden hier keine Anliegen angenommen.", "This office is not accepting visitors right now."},
	"reason.closed":       {"Das Amt ist geschlossen.", "The office is closed."},
	"reason.closing_soon": {"Die Wartezeit würde über die Öffnungszeit hinausgehen.", "The wait would run past closing time."},
	"reason.queue_full":   {"Der Warteraum ist voll.", "The waiting room is full."},
	"privacy":             {"Datenschutz: Ihr Anliegen sehen nur die Mitarbeitenden dieses Amtes. Es wird nach Abschluss und Ablauf der Aufbewahrungsfrist gelöscht. Es gibt keine Aufzeichnung.", "Privacy: only the staff of this office see your concern. It is deleted after your visit and the retention period. Nothing is recorded."},
	"wait.title":          {"Virtueller Warteraum", "Virtual waiting room"},
	"wait.number":         {"Ihre Nummer", "Your number"},
	"wait.place":          {"Ihr Platz in der Warteschlange", "Your place in the queue"},
	"wait.leave":          {"Warteraum verlassen", "Leave the waiting room"},
	"room.title":          {"Beratungsraum", "Consultation room"},
	"chat":                {"Chat", "Chat"},
	"chat.send":           {"Senden", "Send"},
	"chat.message":        {"Nachricht", "Message"},
	"chat.file":           {"Datei senden", "Send a file"},
	"staff.login":         {"Anmeldung für Mitarbeitende", "Staff sign-in"},
	"staff.user":          {"Benutzername", "User name"},
	"staff.password":      {"Passwort", "Password"},
	"staff.signin":        {"Anmelden", "Sign in"},
	"staff.console":       {"Empfang", "Reception"},
	"staff.logout":        {"Abmelden", "Sign out"},
	"staff.newpw":         {"Neues Passwort festlegen", "Set a new password"},
	"staff.newpw.intro":   {"Sie haben sich mit einem Einmalpasswort angemeldet. Bitte wählen Sie jetzt ein eigenes Passwort; danach geht es weiter zum Empfang.", "You signed in with a one-time password. Please choose your own password now; then you continue to the reception."},
	"staff.newpw.change":  {"Wählen Sie ein neues Passwort. Ihre Anmeldungen auf anderen Geräten enden dann.", "Choose a new password. Your sessions on other devices will then end."},
	"staff.newpw.onetime": {"Einmalpasswort", "One-time password"},
	"staff.newpw.current": {"Bisheriges Passwort", "Current password"},
	"staff.newpw.new":     {"Neues Passwort", "New password"},
	"staff.newpw.hint":    {"Mindestens 12 Zeichen, anders als das bisherige.", "At least 12 characters, different from the current one."},
	"staff.newpw.repeat":  {"Neues Passwort wiederholen", "Repeat the new password"},
	"staff.newpw.save":    {"Passwort speichern", "Save password"},
	"lang.switch":         {"English", "Deutsch"},
	"join.title":          {"Einladung zur Beratung", "Invitation to a consultation"},
	"join.enter":          {"Beratungsraum betreten", "Enter the consultation room"},
	"nojs":                {"Für den Warteraum wird JavaScript benötigt.", "The waiting room needs JavaScript."},
	"presence":            {"Status", "Status"},
	"presence.available":  {"Verfügbar", "Available"},
	"presence.break":      {"Pause", "Break"},
	"presence.offline":    {"Abwesend", "Offline"},
	"visit":               {"Vorgang", "Visit"},
	"visit.elapsed":       {"Gesprächsdauer", "Time in consultation"},
	"visit.name":          {"Name", "Name"},
	"visit.language":      {"Sprache", "Language"},
	"visit.concern":       {"Anliegen", "Concern"},
	"visit.forwards":      {"Weiterleitungen", "Forwarding history"},
	"visit.notes":         {"Interne Notizen", "Internal notes"},
	"visit.notes.hint":    {"Nur für Mitarbeitende sichtbar.", "Visible to staff only."},
	"visit.note.add":      {"Notiz hinzufügen", "Add a note"},
	"visit.note.save":     {"Notiz speichern", "Save note"},

	// an office that is open with nobody on duty
	"unstaffed":             {"zurzeit niemand im Dienst", "nobody on duty right now"},
	"unstaffed.notice":      {"Das Amt ist geöffnet, aber zurzeit ist niemand im Dienst.", "The office is open, but nobody is on duty right now."},
	"reason.nobody_on_duty": {"Bitte versuchen Sie es später erneut oder buchen Sie einen Termin.", "Please try again later or book an appointment."},
}

func tr(lang, key string) string {
	m, ok := messages[key]
	if !ok {
		return key
	}
	if lang == "en" {
		return m[1]
	}
	return m[0]
}

var berlin, _ = time.LoadLocation("Europe/Berlin")

var templateFuncs = template.FuncMap{
	"t": tr,
	"clock": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(berlin).Format("15:04")
	},
	"day": func(lang string, t time.Time) string {
		if t.IsZero() {
			return ""
		}
		lt := t.In(berlin)
		now := time.Now().In(berlin)
		if lt.YearDay() == now.YearDay() && lt.Year() == now.Year() {
			return lt.Format("15:04")
		}
		if lang == "en" {
			return lt.Format("Mon 2 Jan, 15:04")
		}
		days := []string{"So", "Mo", "Di", "Mi", "Do", "Fr", "Sa"}
		return days[lt.Weekday()] + " " + lt.Format("02.01., 15:04")
	},
	"mins":      func(sec int) int { return (sec + 59) / 60 },
	"languages": languageOptions,
	"other": func(lang string) string {
		if lang == "en" {
			return "de"
		}
		return "en"
	},
}

// jsStrings are the strings the ES modules need, per language; they are
// rendered into a JSON data block (not executed, CSP-safe).
func jsStrings(lang string) map[string]string {
	keys := map[string][2]string{
		"place":           {"Platz", "Place"},
		"estimate":        {"Geschätzte Wartezeit: etwa %d Min.", "Estimated wait: about %d min"},
		"soon":            {"Sie sind gleich an der Reihe.", "It will be your turn shortly."},
		"called":          {"Sie werden aufgerufen! Bitte betreten Sie jetzt den Beratungsraum.", "You are being called! Please enter the consultation room now."},
		"enter":           {"Beratungsraum betreten", "Enter the consultation room"},
		"declined":        {"Ihr Anliegen wurde abgelehnt.", "Your request was declined."},
		"ended":           {"Ihr Besuch ist beendet. Vielen Dank!", "Your visit has ended. Thank you!"},
		"abandoned":       {"Sie haben den Warteraum verlassen.", "You have left the waiting room."},
		"forwarded":       {"Sie wurden weitergeleitet an: %s. Ihr Platz bleibt erhalten.", "You were forwarded to: %s. You keep your place."},
		"returned":        {"Sie sind wieder im Warteraum. Ihr Platz bleibt erhalten.", "You are back in the waiting room. You keep your place."},
		"reconnecting":    {"Verbindung unterbrochen – wird wiederhergestellt …", "Connection lost – reconnecting …"},
		"connected":       {"Verbunden.", "Connected."},
		"lost":            {"Ihr Vorgang ist nicht mehr gültig. Bitte klopfen Sie erneut an.", "Your ticket is no longer valid. Please knock again."},
		"confirmLeave":    {"Wirklich den Warteraum verlassen? Ihr Platz geht verloren.", "Really leave the waiting room? You will lose your place."},
		"you":             {"Sie", "You"},
		"sent":            {"gesendet", "sent"},
		"roomEnded":       {"Die Beratung ist beendet.", "The consultation has ended."},
		"hangUp":          {"Gespräch beenden", "Leave the consultation"},
		"confirmHangUp":   {"Das Gespräch wirklich beenden?", "Really leave the consultation?"},
		"toConsole":       {"Zurück zur Warteschlange", "Back to the queue"},
		"knockAlert":      {"Neues Anliegen", "New visitor"},
		"admit":           {"Aufrufen", "Admit"},
		"decline":         {"Ablehnen", "Decline"},
		"return":          {"Zurück in den Warteraum", "Back to waiting room"},
		"forward":         {"Weiterleiten", "Forward"},
		"end":             {"Beratung beenden", "End consultation"},
		"note":            {"Interne Notiz", "Internal note"},
		"invite":          {"Dolmetscher·in einladen", "Invite an interpreter"},
		"declineMsg":      {"Nachricht an die Bürgerin / den Bürger:", "Message to the citizen:"},
		"forwardTo":       {"Weiterleiten an", "Forward to"},
		"forwardNote":     {"Notiz für die Kollegin / den Kollegen", "Note for the colleague"},
		"waitingFor":      {"wartet seit %d Min.", "waiting for %d min"},
		"presence":        {"Status", "Status"},
		"available":       {"Verfügbar", "Available"},
		"in_consultation": {"In Beratung", "In consultation"},
		"break":           {"Pause", "Break"},
		"offline":         {"Abwesend", "Offline"},
		"empty":           {"Niemand wartet.", "Nobody is waiting."},
		"openRoom":        {"Zum Beratungsraum", "Open the room"},
		"mine":            {"Ihre laufende Beratung", "Your current consultation"},
		"inviteLink":      {"Einladungslink (einmal gültig):", "Invitation link (single use):"},
		"cancel":          {"Abbrechen", "Cancel"},
		"ok":              {"OK", "OK"},
		"reservedFor":     {"persönlich für %s", "for %s personally"},
		"from":            {"weitergeleitet von %s", "forwarded from %s"},
		"enableAlerts":    {"Benachrichtigungen einschalten", "Enable notifications"},
		"withClerk":       {"im Gespräch bei %s seit %d Min.", "in consultation with %s for %d min"},
		"calledBy":        {"aufgerufen von %s vor %d Min.", "called by %s %d min ago"},
		"countWaiting":    {"%d wartend", "%d waiting"},
		"countBusy":       {"%d im Gespräch", "%d in consultation"},
		"noName":          {"nicht angegeben", "not given"},
		"noNotes":         {"Noch keine Notizen.", "No notes yet."},
		"forwardedBy":     {"%s: %s → %s", "%s: %s → %s"},
		"personally":      {"persönlich an %s", "to %s personally"},
	}
	out := map[string]string{"lang": lang}
	i := 0
	if lang == "en" {
		i = 1
	}
	for k, v := range keys {
		out[k] = v[i]
	}
	return out
}
