package i18n

import (
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"testing"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

func load(t *testing.T, dir string) *Catalogue {
	t.Helper()
	c, err := Load(dir)
	if err != nil {
		t.Fatalf("Load(%q): %v", dir, err)
	}
	return c
}

// formatArgs are the arguments the format functions pass; format patterns
// may use any subset, since languages write dates differently.
var formatArgs = map[string][]string{
	"format.time":          {"Hour", "Minute"},
	"format.date":          {"Day", "Day2", "Month", "Month2", "MonthName", "Weekday", "Year"},
	"format.date_full":     {"Day", "Day2", "Month", "Month2", "MonthName", "Weekday", "Year"},
	"format.datetime":      {"Date", "Time"},
	"format.minutes":       {"Count"},
	"format.hours":         {"Count"},
	"format.hours_minutes": {"Hours", "Minutes"},
	"format.weekdays":      {},
	"format.months":        {},
}

func TestCatalogueHasEveryGermanKeyAndNoOther(t *testing.T) {
	c := load(t, "")
	de := c.IDs(language.German)
	if len(de) < 100 {
		t.Fatalf("German catalogue has only %d keys", len(de))
	}
	for _, tag := range Citizen[1:] {
		t.Run(tag.String(), func(t *testing.T) {
			got := c.IDs(tag)
			for _, id := range de {
				if StaffOnly(id) && !slices.Contains(Staff, tag) {
					if slices.Contains(got, id) {
						t.Errorf("key %q is for staff only (de, en)", id)
					}
					continue
				}
				if !slices.Contains(got, id) {
					t.Errorf("missing key %q", id)
				}
			}
			for _, id := range got {
				if !slices.Contains(de, id) {
					t.Errorf("key %q is not in the German catalogue", id)
				}
			}
		})
	}
}

func messagePlaceholders(t *testing.T, m *goi18n.Message) []string {
	t.Helper()
	seen := map[string]bool{}
	for _, f := range pluralForms(m) {
		names, err := placeholders(f.text)
		if err != nil {
			t.Errorf("%s form %s: %v", m.ID, f.name, err)
		}
		for _, n := range names {
			seen[n] = true
		}
	}
	out := []string{}
	for n := range seen {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

func TestPlaceholdersMatchAcrossLanguages(t *testing.T) {
	c := load(t, "")
	de := c.langs[language.German].msgs
	for _, tag := range Citizen {
		t.Run(tag.String(), func(t *testing.T) {
			for id, m := range c.langs[tag].msgs {
				got := messagePlaceholders(t, m)
				if allowed, ok := formatArgs[id]; ok {
					for _, n := range got {
						if !slices.Contains(allowed, n) {
							t.Errorf("%s: placeholder {{.%s}} not among %v", id, n, allowed)
						}
					}
					continue
				}
				if want := messagePlaceholders(t, de[id]); !reflect.DeepEqual(got, want) {
					t.Errorf("%s: placeholders %v, German has %v", id, got, want)
				}
			}
		})
	}
	for id := range formatArgs {
		if de[id] == nil {
			t.Errorf("format key %q missing from the German catalogue", id)
		}
	}
}

// neededForms asks go-i18n which CLDR plural forms a language uses for
// whole numbers; "other" is always required.
func neededForms(t *testing.T, tag language.Tag) []string {
	t.Helper()
	b := goi18n.NewBundle(tag)
	probe := &goi18n.Message{ID: "probe", Zero: "zero", One: "one", Two: "two", Few: "few", Many: "many", Other: "other"}
	if err := b.AddMessages(tag, probe); err != nil {
		t.Fatal(err)
	}
	l := goi18n.NewLocalizer(b, tag.String())
	seen := map[string]bool{"other": true}
	for n := 0; n <= 200; n++ {
		s, err := l.Localize(&goi18n.LocalizeConfig{MessageID: "probe", PluralCount: n})
		if err != nil {
			t.Fatal(err)
		}
		seen[s] = true
	}
	var out []string
	for _, f := range []string{"zero", "one", "two", "few", "many", "other"} {
		if seen[f] {
			out = append(out, f)
		}
	}
	return out
}

func TestPluralFormsPerCLDR(t *testing.T) {
	c := load(t, "")
	want := map[string][]string{
		"de": {"one", "other"}, "en": {"one", "other"}, "tr": {"one", "other"},
		"ar": {"zero", "one", "two", "few", "many", "other"},
		"uk": {"one", "few", "many", "other"}, "ru": {"one", "few", "many", "other"},
		"fa": {"one", "other"}, "de-x-ls": {"one", "other"},
	}
	var plural []string
	for id, m := range c.langs[language.German].msgs {
		if m.One != "" {
			plural = append(plural, id)
		}
	}
	if len(plural) < 3 {
		t.Fatalf("only %d plural messages: %v", len(plural), plural)
	}
	for _, tag := range Citizen {
		t.Run(tag.String(), func(t *testing.T) {
			need := neededForms(t, tag)
			if !reflect.DeepEqual(need, want[tag.String()]) {
				t.Errorf("go-i18n says %s needs %v; this test expects %v", tag, need, want[tag.String()])
			}
			for _, id := range plural {
				var got []string
				for _, f := range pluralForms(c.langs[tag].msgs[id]) {
					got = append(got, f.name)
				}
				if !reflect.DeepEqual(got, need) {
					t.Errorf("%s has forms %v, %s needs %v", id, got, tag, need)
				}
			}
		})
	}
}

func TestReviewMetadataIsWellFormed(t *testing.T) {
	c := load(t, "")
	buf, err := os.ReadFile("locales/review.json")
	if err != nil {
		t.Fatal(err)
	}
	var review map[string]map[string]string
	if err := json.Unmarshal(buf, &review); err != nil {
		t.Fatalf("review.json: %v", err)
	}
	if _, ok := review["de"]; ok {
		t.Error("review.json lists German, the source language")
	}
	for _, tag := range Citizen[1:] {
		t.Run(tag.String(), func(t *testing.T) {
			r, ok := review[tag.String()]
			if !ok {
				t.Fatalf("review.json has no entry for %s", tag)
			}
			ids := c.IDs(tag)
			// a key not listed is unreviewed (docs/i18n.md); a listed one
			// must say which
			for id, st := range r {
				if st != "reviewed" && st != "unreviewed" {
					t.Errorf("%s: status %q, want reviewed or unreviewed", id, st)
				}
			}
			for id := range r {
				if !slices.Contains(ids, id) {
					t.Errorf("review.json lists %q, which the catalogue lacks", id)
				}
			}
		})
	}
}
