package connector

import (
	"strings"
)

// Verb is a bridge command.
type Verb int

// Commands; the zero value is unknown.
const (
	VerbUnknown Verb = iota
	VerbAdmit
	VerbDecline
	VerbForward
	VerbReturn
	VerbQueue
	VerbHelp
	VerbInterpreter
	VerbInvite
	VerbEnd
)

var verbs = map[string]Verb{
	"admit": VerbAdmit, "aufrufen": VerbAdmit,
	"decline": VerbDecline, "ablehnen": VerbDecline,
	"forward": VerbForward, "weiterleiten": VerbForward,
	"return": VerbReturn, "zurueck": VerbReturn, "zurück": VerbReturn,
	"queue": VerbQueue, "warteschlange": VerbQueue,
	"help": VerbHelp, "hilfe": VerbHelp,
	"dolmetscher": VerbInterpreter, "interpreter": VerbInterpreter,
	"invite": VerbInvite, "einladen": VerbInvite,
	"end": VerbEnd, "ende": VerbEnd, "beenden": VerbEnd,
}

// Command is a parsed "!verb args" message.
type Command struct {
	Verb   Verb
	Name   string // the verb as typed, lower case
	Ticket string // ticket number or id (admit, decline, forward, return)
	Target string // office id or @clerk (forward), @user (invite), language (dolmetscher)
	Text   string // decline message, forward note, interpreter e-mail
}

// usage returns the syntax of the verb for error replies.
func (v Verb) usage() string {
	switch v {
	case VerbAdmit:
		return "!admit B-017"
	case VerbDecline:
		return "!decline B-017 <Nachricht>"
	case VerbForward:
		return "!forward B-017 <amt|@person> <Notiz>"
	case VerbReturn:
		return "!return B-017"
	case VerbInterpreter:
		return "!dolmetscher <sprache> [e-mail]"
	case VerbInvite:
		return "!invite @person:server"
	}
	return "!help"
}

// ParseCommand parses body if it starts with "!". ok is false for plain
// text; a "!" message with an unknown verb gives VerbUnknown. valid is
// false when required arguments are missing.
func ParseCommand(body string) (cmd Command, ok, valid bool) {
	body = strings.TrimSpace(body)
	if !strings.HasPrefix(body, "!") || len(body) < 2 {
		return Command{}, false, false
	}
	fields := strings.Fields(body[1:])
	cmd.Name = strings.ToLower(fields[0])
	cmd.Verb = verbs[cmd.Name]
	args := fields[1:]
	rest := func(n int) string {
		if len(args) <= n {
			return ""
		}
		return strings.Join(args[n:], " ")
	}
	switch cmd.Verb {
	case VerbAdmit, VerbReturn:
		if len(args) < 1 {
			return cmd, true, false
		}
		cmd.Ticket = strings.ToUpper(args[0])
	case VerbDecline:
		if len(args) < 1 {
			return cmd, true, false
		}
		cmd.Ticket, cmd.Text = strings.ToUpper(args[0]), rest(1)
	case VerbForward:
		if len(args) < 2 {
			return cmd, true, false
		}
		cmd.Ticket, cmd.Target, cmd.Text = strings.ToUpper(args[0]), args[1], rest(2)
	case VerbInterpreter:
		if len(args) < 1 {
			return cmd, true, false
		}
		cmd.Target, cmd.Text = strings.ToLower(args[0]), rest(1)
	case VerbInvite:
		if len(args) != 1 || !strings.HasPrefix(args[0], "@") || !strings.Contains(args[0], ":") {
			return cmd, true, false
		}
		cmd.Target = args[0]
	}
	return cmd, true, true
}
