package connector

import (
	"golang.org/x/text/language"

	"github.com/buergerbuero/buergerbuero/appliance/i18n"
)

// The bridge's notices are read by clerks in the Matrix rooms, in the
// configured language (de or en). Their texts live in the message
// catalogue (appliance/i18n, locales/bridge.<tag>.json, keys "bridge.…"),
// with named placeholders filled by the callers, already HTML-escaped.

// args fill a notice's placeholders.
type args = map[string]any

// t renders the notice "bridge."+key.
func (c *Connector) t(key string, a args) string { return c.loc.T("bridge."+key, a) }

// localizer is the configured language's localizer; without a catalogue
// in the options the built-in one is loaded.
func localizer(cat *i18n.Catalogue, lang string) *i18n.Localizer {
	if cat == nil {
		var err error
		if cat, err = i18n.Load(""); err != nil {
			panic("built-in message catalogue: " + err.Error())
		}
	}
	return cat.Localizer(i18n.NegotiateStaff("", language.Make(lang).String()))
}
