package connector

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
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

func TestTextsHaveBothLanguages(t *testing.T) {
	for k, v := range texts {
		if v[0] == "" || v[1] == "" || strings.Count(v[0], "%") != strings.Count(v[1], "%") {
			t.Errorf("text %q: German and English differ in placeholders or are empty", k)
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

// Every text key used in the connector exists (a missing key would be sent
// to Matrix as the bare key).
func TestTextKeysExist(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`tr\((?:lang|c\.lang\(\)|cl\.c\.lang\(\)), "([^"]+)"`)
	n := 0
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(src), -1) {
			n++
			if _, ok := texts[m[1]]; !ok {
				t.Errorf("%s: text key %q is not in texts", f, m[1])
			}
		}
	}
	if n < 20 {
		t.Fatalf("found only %d uses of tr; is the pattern stale?", n)
	}
}
