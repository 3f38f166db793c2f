package connector

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/language"

	"github.com/buergerbuero/buergerbuero/appliance/i18n"
)

func TestParseCommand(t *testing.T) {
	tests := []struct {
		in        string
		ok, valid bool
		want      Command
	}{
		{"hallo", false, false, Command{}},
		{"!admit b-017", true, true, Command{Verb: VerbAdmit, Name: "admit", Ticket: "B-017"}},
		{"  !aufrufen B-017 ", true, true, Command{Verb: VerbAdmit, Name: "aufrufen", Ticket: "B-017"}},
		{"!admit", true, false, Command{Verb: VerbAdmit, Name: "admit"}},
		{"!decline B-017 Bitte morgen wiederkommen", true, true, Command{Verb: VerbDecline, Name: "decline", Ticket: "B-017", Text: "Bitte morgen wiederkommen"}},
		{"!forward B-017 bauamt Bauantrag", true, true, Command{Verb: VerbForward, Name: "forward", Ticket: "B-017", Target: "bauamt", Text: "Bauantrag"}},
		{"!forward B-017 @mueller:example.org", true, true, Command{Verb: VerbForward, Name: "forward", Ticket: "B-017", Target: "@mueller:example.org"}},
		{"!forward B-017", true, false, Command{Verb: VerbForward, Name: "forward"}},
		{"!return B-017", true, true, Command{Verb: VerbReturn, Name: "return", Ticket: "B-017"}},
		{"!queue", true, true, Command{Verb: VerbQueue, Name: "queue"}},
		{"!HELP", true, true, Command{Verb: VerbHelp, Name: "help"}},
		{"!dolmetscher TR a@b.de", true, true, Command{Verb: VerbInterpreter, Name: "dolmetscher", Target: "tr", Text: "a@b.de"}},
		{"!invite @kollege:example.org", true, true, Command{Verb: VerbInvite, Name: "invite", Target: "@kollege:example.org"}},
		{"!invite kollege", true, false, Command{Verb: VerbInvite, Name: "invite"}},
		{"!tanzen", true, true, Command{Verb: VerbUnknown, Name: "tanzen"}},
		{"!", false, false, Command{}},
	}
	for _, tt := range tests {
		got, ok, valid := ParseCommand(tt.in)
		if ok != tt.ok || valid != tt.valid || (valid && got != tt.want) {
			t.Errorf("ParseCommand(%q) = %+v, %v, %v; want %+v, %v, %v", tt.in, got, ok, valid, tt.want, tt.ok, tt.valid)
		}
	}
}

func TestKnockIDRoundTrip(t *testing.T) {
	o, tk, ok := parseKnockID(knockID("bauamt", "t_123"))
	if !ok || o != "bauamt" || tk != "t_123" {
		t.Fatalf("got %q %q %v", o, tk, ok)
	}
	if _, _, ok := parseKnockID("m:12"); ok {
		t.Fatal("m:12 is not a knock")
	}
}

// Every notice the connector sends is in the catalogue in German and
// English, the arguments it passes fill every placeholder, and no bridge
// text in the catalogue is unused. (A missing key would reach Matrix as
// the bare key.)
func TestNoticesAreInTheCatalogue(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	cat, err := i18n.Load("")
	if err != nil {
		t.Fatal(err)
	}
	call := regexp.MustCompile(`\.t\("([^"]+)", (nil|args\{[^\n]*\})\)`)
	argName := regexp.MustCompile(`"(\w+)": `)
	used := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range call.FindAllStringSubmatch(string(src), -1) {
			key := "bridge." + m[1]
			used[key] = true
			a := map[string]any{}
			for _, n := range argName.FindAllStringSubmatch(m[2], -1) {
				a[n[1]] = "x"
			}
			for _, tag := range i18n.Staff {
				if !slices.Contains(cat.IDs(tag), key) {
					t.Errorf("%s: %s is not in the %s catalogue", f, key, tag)
					continue
				}
				if s := cat.Localizer(tag).T(key, a); strings.Contains(s, "<no value>") {
					t.Errorf("%s: %s in %s needs an argument the code does not pass: %q", f, key, tag, s)
				}
			}
		}
	}
	if len(used) < 30 {
		t.Fatalf("found only %d notices; is the pattern stale?", len(used))
	}
	for _, id := range cat.IDs(language.German) {
		if strings.HasPrefix(id, "bridge.") && !used[id] {
			t.Errorf("catalogue key %s is used by no notice", id)
		}
	}
}
