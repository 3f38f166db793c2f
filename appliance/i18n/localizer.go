package i18n

import (
	"errors"
	"strings"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// Localizer renders messages in one language. It is cheap, and safe for
// concurrent use.
type Localizer struct {
	c      *Catalogue
	lang   *langCat
	pseudo bool
}

// Tag is the localizer's language.
func (l *Localizer) Tag() language.Tag { return l.lang.tag }

// Dir is the writing direction, "rtl" or "ltr".
func (l *Localizer) Dir() string { return Dir(l.lang.tag) }

// T renders the message id with args filling its {{.Name}} placeholders.
// The argument "Count" (an integer) selects the CLDR plural form. Integer
// arguments are formatted as numbers of the language (digits, grouping), a
// []string argument as a list ("de, en").
// T never panics: a message missing in this language comes in German, one
// missing in German too comes as its id; either is logged once.
func (l *Localizer) T(id string, args map[string]any) string {
	return l.out(l.render(id, args))
}

// out is the last step of every exported rendering.
func (l *Localizer) out(s string) string {
	if l.pseudo {
		return PseudoText(s)
	}
	return s
}

func (l *Localizer) render(id string, args map[string]any) string {
	cfg := &goi18n.LocalizeConfig{MessageID: id}
	if len(args) > 0 {
		data := make(map[string]any, len(args))
		for k, v := range args {
			if n, ok := asInt(v); ok {
				data[k] = l.FormatNumber(n)
			} else if list, ok := v.([]string); ok {
				data[k] = strings.Join(list, l.listSeparator())
			} else {
				data[k] = v
			}
		}
		cfg.TemplateData = data
		if n, ok := asInt(args["Count"]); ok {
			cfg.PluralCount = n
		}
	}
	s, err := l.lang.loc.Localize(cfg)
	if err == nil {
		return s
	}
	var notFound *goi18n.MessageNotFoundErr
	if !errors.As(err, &notFound) {
		// A template error in a county override: show what rendered.
		if s != "" {
			return s
		}
		return id
	}
	l.c.reportMissing(l.lang.tag, id)
	if l.lang.tag == language.German {
		return id
	}
	de := l.c.Localizer(language.German)
	return de.render(id, args)
}

// listSeparator separates the items of a list argument (["de", "en"]
// becomes "de, en"; Arabic and Persian write the Arabic comma).
func (l *Localizer) listSeparator() string {
	if b, _ := l.lang.tag.Base(); b.String() == "ar" || b.String() == "fa" {
		return "، "
	}
	return ", "
}

func asInt(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int32:
		return int(n), true
	case int64:
		return int(n), true
	}
	return 0, false
}

// JS returns the messages whose id starts with prefix (e.g. "js."), keyed
// by the rest of the id, for the page scripts. The texts are the raw
// templates: a script fills "{{.Minutes}}" itself. A plural message gives
// its "other" form under its key and every other form under key#form (e.g.
// "estimate#one"). Messages missing in this language come in German.
func (l *Localizer) JS(prefix string) map[string]string {
	out := map[string]string{}
	de := l.c.langs[language.German].msgs
	for _, msgs := range []map[string]*goi18n.Message{de, l.lang.msgs} {
		for id := range msgs {
			if !strings.HasPrefix(id, prefix) {
				continue
			}
			m, ok := l.lang.msgs[id]
			if !ok {
				m = de[id]
			}
			key := strings.TrimPrefix(id, prefix)
			for _, f := range pluralForms(m) {
				k, text := key, f.text
				if f.name != "other" {
					k += "#" + f.name
				}
				if l.pseudo {
					text = PseudoText(text)
				}
				out[k] = text
			}
		}
	}
	return out
}
