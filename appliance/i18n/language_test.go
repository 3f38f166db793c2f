package i18n

import (
	"testing"

	"golang.org/x/text/language"
)

func TestNegotiate(t *testing.T) {
	tests := []struct {
		accept, choice string
		want           language.Tag
	}{
		{"tr, ar;q=0.8", "", language.Turkish},
		{"ar;q=0.9, tr;q=0.8", "", language.Arabic},
		{"xx", "", language.German},
		{"", "", language.German},
		{"xx, uk;q=0.5", "", language.Ukrainian},
		{"ja, zh;q=0.9", "", language.German},
		{"en-US,en;q=0.9", "", language.English},
		{"ar-SY", "", language.Arabic},
		{"fa-AF", "", language.Persian},
		{"prs", "", language.Persian},
		{"ru-RU, de;q=0.5", "", language.Russian},
		{"de-x-ls", "", language.German},  // never from the browser
		{"tr", "ar", language.Arabic},     // explicit choice wins
		{"tr", "de-x-ls", LeichteSprache}, // and is the only way to Leichte Sprache
		{"tr", "uk-UA", language.Ukrainian},
		{"tr", "klingon", language.Turkish}, // a bad choice is ignored
		{"tr", "ja", language.Turkish},      // as is an unsupported one
	}
	for _, tt := range tests {
		if got := Negotiate(tt.accept, tt.choice); got != tt.want {
			t.Errorf("Negotiate(%q, %q) = %s, want %s", tt.accept, tt.choice, got, tt.want)
		}
	}
}

func TestNegotiateStaff(t *testing.T) {
	tests := []struct {
		accept, choice string
		want           language.Tag
	}{
		{"tr, en;q=0.5", "", language.English},
		{"tr", "", language.German},
		{"en", "de", language.German},
		{"de", "ar", language.German},
	}
	for _, tt := range tests {
		if got := NegotiateStaff(tt.accept, tt.choice); got != tt.want {
			t.Errorf("NegotiateStaff(%q, %q) = %s, want %s", tt.accept, tt.choice, got, tt.want)
		}
	}
}

func TestDirAndSelfName(t *testing.T) {
	tests := []struct {
		tag       language.Tag
		dir, name string
	}{
		{language.German, "ltr", "Deutsch"},
		{language.English, "ltr", "English"},
		{language.Turkish, "ltr", "Türkçe"},
		{language.Arabic, "rtl", "العربية"},
		{language.Ukrainian, "ltr", "Українська"},
		{language.Russian, "ltr", "Русский"},
		{language.Persian, "rtl", "فارسی"},
		{LeichteSprache, "ltr", "Leichte Sprache"},
	}
	for _, tt := range tests {
		if got := Dir(tt.tag); got != tt.dir {
			t.Errorf("Dir(%s) = %s, want %s", tt.tag, got, tt.dir)
		}
		if got := SelfName(tt.tag); got != tt.name {
			t.Errorf("SelfName(%s) = %s, want %s", tt.tag, got, tt.name)
		}
	}
	// an office may offer a conversation language beyond the page languages
	if got := SelfName(language.Polish); got != "Polski" {
		t.Errorf("SelfName(pl) = %s, want Polski", got)
	}
	if len(tests) != len(Citizen) {
		t.Errorf("table covers %d languages, Citizen has %d", len(tests), len(Citizen))
	}
}
