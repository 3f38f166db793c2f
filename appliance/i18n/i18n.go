// Package i18n owns the message catalogue (one go-i18n JSON file per
// language, embedded, plus a county's override files), language negotiation
// (Accept-Language with q-values, explicit choice) and locale-aware
// formatting of dates, times, numbers and durations. It knows nothing of
// HTTP handlers or of the domain: callers pass message ids and arguments.
package i18n

import (
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed locales/*.*.json
var locales embed.FS

// Catalogue holds every language's messages. It is immutable after Load
// and safe for concurrent use.
type Catalogue struct {
	langs   map[language.Tag]*langCat
	missing sync.Map // "lang/id" → struct{}: reported once
}

// langCat is one language: its own go-i18n bundle (so go-i18n never
// substitutes another language behind our back; the German fallback is
// ours) and the parsed messages, kept for JS and validation.
type langCat struct {
	tag    language.Tag
	loc    *goi18n.Localizer
	msgs   map[string]*goi18n.Message
	digits [10]string
}

// Load reads the embedded catalogues and then every *.json file in
// overrideDir (if not empty), whose strings replace or add to the built-in
// ones. An override file is named like the built-in ones
// (active.tr.json, or just tr.json); an error names the file and the key.
func Load(overrideDir string) (*Catalogue, error) {
	msgs := map[language.Tag]map[string]*goi18n.Message{}
	for _, t := range Citizen {
		msgs[t] = map[string]*goi18n.Message{}
	}
	embedded, err := locales.ReadDir("locales")
	if err != nil {
		return nil, err
	}
	for _, e := range embedded {
		path := "locales/" + e.Name()
		buf, err := locales.ReadFile(path)
		if err != nil {
			return nil, err
		}
		if err := addFile(msgs, path, buf, nil); err != nil {
			return nil, err
		}
	}
	if overrideDir != "" {
		files, err := filepath.Glob(filepath.Join(overrideDir, "*.json"))
		if err != nil {
			return nil, fmt.Errorf("i18n override directory %s: %w", overrideDir, err)
		}
		sort.Strings(files)
		base := msgs[language.German]
		for _, f := range files {
			buf, err := os.ReadFile(f)
			if err != nil {
				return nil, fmt.Errorf("i18n override: %w", err)
			}
			if err := addFile(msgs, f, buf, base); err != nil {
				return nil, err
			}
		}
	}
	c := &Catalogue{langs: map[language.Tag]*langCat{}}
	for tag, m := range msgs {
		b := goi18n.NewBundle(tag)
		for _, msg := range m {
			if err := b.AddMessages(tag, msg); err != nil {
				return nil, fmt.Errorf("i18n %s: %w", tag, err)
			}
		}
		c.langs[tag] = &langCat{tag: tag, loc: goi18n.NewLocalizer(b, tag.String()), msgs: m, digits: digitsOf(tag)}
	}
	return c, nil
}

// addFile parses one catalogue file into msgs. With base set (overrides),
// each message is also checked against the German built-in text: it may use
// only the placeholders the callers pass for that key.
func addFile(msgs map[language.Tag]map[string]*goi18n.Message, path string, buf []byte, base map[string]*goi18n.Message) error {
	mf, err := goi18n.ParseMessageFileBytes(buf, path, nil)
	if err != nil {
		return fmt.Errorf("i18n file %s: %w", path, err)
	}
	m, ok := msgs[mf.Tag]
	if !ok {
		return fmt.Errorf("i18n file %s: language %q is not supported (supported: %s)", path, mf.Tag, tagList(Citizen))
	}
	for _, msg := range mf.Messages {
		if err := checkMessage(msg, base[msg.ID]); err != nil {
			return fmt.Errorf("i18n file %s: key %q: %w", path, msg.ID, err)
		}
		m[msg.ID] = msg
	}
	return nil
}

func checkMessage(msg, orig *goi18n.Message) error {
	forms := pluralForms(msg)
	if len(forms) == 0 || msg.Other == "" {
		return errors.New("no text (the \"other\" form is required)")
	}
	got := map[string]bool{}
	for _, f := range forms {
		names, err := placeholders(f.text)
		if err != nil {
			return fmt.Errorf("form %q: %w", f.name, err)
		}
		for _, n := range names {
			got[n] = true
		}
	}
	if orig != nil {
		want := map[string]bool{}
		for _, f := range pluralForms(orig) {
			names, _ := placeholders(f.text)
			for _, n := range names {
				want[n] = true
			}
		}
		for n := range got {
			if !want[n] && !strings.HasPrefix(msg.ID, "format.") {
				return fmt.Errorf("unknown placeholder {{.%s}} (allowed: %s)", n, keys(want))
			}
		}
	}
	if n, ok := listLen[msg.ID]; ok && len(strings.Fields(msg.Other)) != n {
		return fmt.Errorf("want %d space-separated names, got %d", n, len(strings.Fields(msg.Other)))
	}
	return nil
}

// listLen are the catalogue entries that are lists rather than sentences.
var listLen = map[string]int{"format.weekdays": 7, "format.months": 12}

type form struct{ name, text string }

// pluralForms lists a message's non-empty CLDR plural forms.
func pluralForms(m *goi18n.Message) []form {
	var out []form
	for _, f := range []form{{"zero", m.Zero}, {"one", m.One}, {"two", m.Two}, {"few", m.Few}, {"many", m.Many}, {"other", m.Other}} {
		if f.text != "" {
			out = append(out, f)
		}
	}
	return out
}

func keys(m map[string]bool) string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ", ")
}

func tagList(tags []language.Tag) string {
	s := make([]string, len(tags))
	for i, t := range tags {
		s[i] = t.String()
	}
	return strings.Join(s, ", ")
}

// Localizer returns the localizer for a language; a language without a
// catalogue gets German.
func (c *Catalogue) Localizer(tag language.Tag) *Localizer {
	lc, ok := c.langs[tag]
	if !ok {
		lc = c.langs[language.German]
	}
	return &Localizer{c: c, lang: lc}
}

// Pseudo returns a localizer that renders the language's texts accented
// and 40 % longer (see PseudoText), so a test can spot text on a page that
// did not come from the catalogue, and layouts that break with longer text.
func (c *Catalogue) Pseudo(tag language.Tag) *Localizer {
	l := c.Localizer(tag)
	l.pseudo = true
	return l
}

// JS returns the messages whose id starts with prefix, with the prefix
// cut off, for the page scripts (see Localizer.JS).
func (c *Catalogue) JS(tag language.Tag, prefix string) map[string]string {
	return c.Localizer(tag).JS(prefix)
}

// IDs lists the message ids of a language, sorted.
func (c *Catalogue) IDs(tag language.Tag) []string {
	lc, ok := c.langs[tag]
	if !ok {
		return nil
	}
	out := make([]string, 0, len(lc.msgs))
	for id := range lc.msgs {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// Missing lists the "lang/id" pairs that were asked for but not found,
// sorted; each was logged once. A metric can export its length.
func (c *Catalogue) Missing() []string {
	var out []string
	c.missing.Range(func(k, _ any) bool {
		out = append(out, k.(string))
		return true
	})
	sort.Strings(out)
	return out
}

func (c *Catalogue) reportMissing(tag language.Tag, id string) {
	if _, seen := c.missing.LoadOrStore(tag.String()+"/"+id, struct{}{}); !seen {
		slog.Warn("i18n: message missing", "lang", tag.String(), "key", id)
	}
}
