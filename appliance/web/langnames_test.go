package web

import "testing"

func TestLanguageOptionsNameEachLanguageInItself(t *testing.T) {
	cases := []langOption{
		{"de", "Deutsch", "ltr"}, {"en", "English", "ltr"}, {"tr", "Türkçe", "ltr"}, {"ar", "العربية", "rtl"},
		{"uk", "Українська", "ltr"}, {"ru", "Русский", "ltr"}, {"pl", "Polski", "ltr"}, {"fa", "فارسی", "rtl"},
		{"xx-invalid-!", "xx-invalid-!", "ltr"},
	}
	for _, want := range cases {
		got := languageOptions([]string{want.Code})[0]
		if got != want {
			t.Errorf("languageOptions(%q) = %+v, want %+v", want.Code, got, want)
		}
	}
}
