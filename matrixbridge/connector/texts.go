package connector

import "fmt"

// texts holds every reply of the bridge in German and English; the
// configured language picks one.
var texts = map[string][2]string{
	"knock":              {"🔔 <b>%s</b> · Sprache: %s · angeklopft um %s Uhr<br>Anliegen: %s", "🔔 <b>%s</b> · language: %s · knocked at %s<br>Concern: %s"},
	"knock.confidential": {"🔔 Eine Person wartet (<b>%s</b>)", "🔔 A citizen is waiting (<b>%s</b>)"},
	"knock.forwarded":    {"<br>↪ weitergeleitet von %s: %s", "<br>↪ forwarded from %s: %s"},
	"knock.hint":         {"<br><i>Aufrufen: <code>!admit %s</code> oder mit ✅ reagieren</i>", "<br><i>Admit: <code>!admit %s</code> or react with ✅</i>"},
	"state.called":       {"<br>✅ aufgerufen von %s nach %s Wartezeit", "<br>✅ admitted by %s after waiting %s"},
	"state.forwarded":    {"<br>↪ weitergeleitet an %s", "<br>↪ forwarded to %s"},
	"state.returned":     {"<br>↩ zurück in der Warteschlange", "<br>↩ back in the queue"},
	"state.declined":     {"<br>⛔ abgelehnt", "<br>⛔ declined"},
	"state.abandoned":    {"<br>🚪 hat den Warteraum verlassen", "<br>🚪 left the waiting room"},
	"state.ended":        {"<br>☑ Beratung beendet", "<br>☑ consultation ended"},
	"refused":            {"⛔ %s ist keine Sachbearbeiterin / kein Sachbearbeiter von „%s“. Befehle und Nachrichten hier werden nicht ausgeführt.", "⛔ %s is not a clerk of “%s”. Commands and messages here are not carried out."},
	"unknown":            {"Unbekannter Befehl „%s“. <code>!help</code> zeigt die Befehle.", "Unknown command “%s”. <code>!help</code> lists the commands."},
	"usage":              {"Aufruf: <code>%s</code>", "Usage: <code>%s</code>"},
	"admitted":           {"✅ %s aufgerufen. Der Beratungsraum wird geöffnet.", "✅ %s admitted. The consultation room is being opened."},
	"declined":           {"⛔ %s abgelehnt.", "⛔ %s declined."},
	"returned":           {"↩ %s ist zurück in der Warteschlange.", "↩ %s is back in the queue."},
	"forwarded":          {"↪ %s weitergeleitet an %s.", "↪ %s forwarded to %s."},
	"failed":             {"⚠ %s: %s", "⚠ %s: %s"},
	"queue.empty":        {"Die Warteschlange ist leer.", "The queue is empty."},
	"queue.head":         {"Warteschlange (%d):", "Queue (%d):"},
	"queue.line":         {"%d. <b>%s</b> · %s · wartet seit %s", "%d. <b>%s</b> · %s · waiting for %s"},
	"room.topic":         {"Beratung %s · %s · Sprache %s", "Consultation %s · %s · language %s"},
	"room.opened":        {"Beratung mit %s geöffnet (Sprache: %s).<br>Anliegen: %s<br><i><code>!dolmetscher &lt;Sprache&gt;</code> lädt eine Dolmetscherin ein, <code>!invite @person:server</code> eine Kollegin, <code>!ende</code> beendet die Beratung.</i>", "Consultation with %s opened (language: %s).<br>Concern: %s<br><i><code>!dolmetscher &lt;language&gt;</code> invites an interpreter, <code>!invite @person:server</code> a colleague, <code>!end</code> ends the consultation.</i>"},
	"room.closed":        {"☑ Die Beratung ist beendet. Der Raum wird gemäß Aufbewahrungsfrist gelöscht.", "☑ The consultation has ended. The room will be deleted per the retention setting."},
	"interpreter":        {"🌐 Einladung für eine Dolmetscherin (%s), einmal gültig bis %s Uhr:<br><a href=\"%s\">%s</a>", "🌐 Invite for an interpreter (%s), single use, valid until %s:<br><a href=\"%s\">%s</a>"},
	"invite.notclerk":    {"%s ist keine Sachbearbeiterin / kein Sachbearbeiter mit Matrix-ID im Bürgerbüro und wird nicht eingeladen.", "%s is not a clerk with a Matrix ID in the appliance and is not invited."},
	"invited":            {"%s nimmt jetzt an der Beratung teil und wurde eingeladen.", "%s now takes part in the consultation and has been invited."},
	"invite.refused":     {"⛔ %s wurde nicht eingeladen: %s", "⛔ %s was not invited: %s"},
	"invite.confidential": {"⛔ %s wurde nicht eingeladen: Beratungen dieses Amtes sind vertraulich und werden nicht über Matrix geführt. Kolleg·innen bitte in der Sachbearbeitungs-Oberfläche hinzufügen.",
		"⛔ %s was not invited: this office's consultations are confidential and are not held over Matrix. Please add colleagues in the staff console."},
	"not.participant":  {"<br>Eine teilnehmende Person kann %s mit <code>!invite %s</code> hinzufügen.", "<br>A participant can add %s with <code>!invite %s</code>."},
	"not.delivered":    {"⚠ Nachricht nicht zugestellt: %s", "⚠ Message not delivered: %s"},
	"room.gone":        {"Diese Beratung ist beendet; Nachrichten werden nicht mehr zugestellt.", "This consultation has ended; messages are no longer delivered."},
	"edit.unsupported": {"Bearbeiten und Löschen werden vom Bürgerbüro nicht unterstützt; bitte eine neue Nachricht senden.", "Editing and deleting are not supported by the appliance; please send a new message."},
	"help.office": {"<b>Befehle im Empfangsraum</b><br><code>!admit B-017</code> – aufrufen (oder ✅ auf die Meldung)<br><code>!decline B-017 &lt;Nachricht&gt;</code> – ablehnen<br><code>!forward B-017 &lt;Amt oder @person&gt; &lt;Notiz&gt;</code> – weiterleiten<br><code>!return B-017</code> – zurück in die Warteschlange<br><code>!queue</code> – Warteschlange zeigen<br><code>!help</code> – diese Hilfe",
		"<b>Commands in the reception room</b><br><code>!admit B-017</code> – admit (or ✅ on the knock)<br><code>!decline B-017 &lt;message&gt;</code> – decline<br><code>!forward B-017 &lt;office or @person&gt; &lt;note&gt;</code> – forward<br><code>!return B-017</code> – back to the queue<br><code>!queue</code> – show the queue<br><code>!help</code> – this help"},
	"help.room": {"<b>Befehle im Beratungsraum</b><br><code>!dolmetscher &lt;Sprache&gt; [E-Mail]</code> – Einladungslink für eine Dolmetscherin<br><code>!invite @person:server</code> – Kollegin einladen<br><code>!ende</code> – Beratung beenden<br><code>!help</code> – diese Hilfe",
		"<b>Commands in the consultation room</b><br><code>!dolmetscher &lt;language&gt; [e-mail]</code> – invite link for an interpreter<br><code>!invite @person:server</code> – invite a colleague<br><code>!end</code> – end the consultation<br><code>!help</code> – this help"},
}

// tr formats the text key in lang ("de" unless "en").
func tr(lang, key string, args ...any) string {
	t, ok := texts[key]
	if !ok {
		return key
	}
	s := t[0]
	if lang == "en" {
		s = t[1]
	}
	if len(args) == 0 {
		return s
	}
	return fmt.Sprintf(s, args...)
}
