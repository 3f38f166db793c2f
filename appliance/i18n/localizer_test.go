package i18n

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	_ "time/tzdata"
	"unicode/utf8"

	"golang.org/x/text/language"
)

func TestT(t *testing.T) {
	c := load(t, "")
	tests := []struct {
		tag  language.Tag
		id   string
		args map[string]any
		want string
	}{
		{language.German, "chat.send", nil, "Senden"},
		{language.English, "chat.send", nil, "Send"},
		{language.Turkish, "error.queue_full", nil, "Bu dairenin bekleme salonu dolu. Lütfen randevu alın veya daha sonra tekrar deneyin."},
		{language.English, "error.invalid.presence", map[string]any{"Allowed": "available, break"}, "Allowed: available, break."},
		{language.English, "error.invalid.too_short", map[string]any{"Count": 1}, "Please fill in this field (at least 1 character)."},
		{language.English, "error.invalid.too_short", map[string]any{"Count": 3}, "Please fill in this field (at least 3 characters)."},
		{language.Russian, "error.invalid.too_short", map[string]any{"Count": 3}, "Пожалуйста, заполните это поле (минимум 3 символа)."},
		{language.Russian, "error.invalid.too_short", map[string]any{"Count": 5}, "Пожалуйста, заполните это поле (минимум 5 символов)."},
		{language.Arabic, "error.invalid.too_short", map[string]any{"Count": 2}, "يرجى ملء هذا الحقل (حرفان على الأقل)."},
		{language.Arabic, "error.invalid.too_long", map[string]any{"Count": 500, "Now": 612}, "يرجى اختصار النص إلى ٥٠٠ حرف كحد أقصى (حاليًا ٦١٢)."},
		{language.German, "error.invalid.too_long", map[string]any{"Count": 1000, "Now": 1200}, "Bitte kürzen Sie den Text auf höchstens 1.000 Zeichen (jetzt 1.200)."},
		{language.German, "no.such.key", nil, "no.such.key"},
		{language.Turkish, "no.such.key", nil, "no.such.key"},
		{language.Japanese, "chat.send", nil, "Senden"}, // no catalogue: German
	}
	for _, tt := range tests {
		if got := c.Localizer(tt.tag).T(tt.id, tt.args); got != tt.want {
			t.Errorf("%s T(%q, %v) = %q, want %q", tt.tag, tt.id, tt.args, got, tt.want)
		}
	}
	if m := c.Missing(); !slices.Contains(m, "tr/no.such.key") || !slices.Contains(m, "de/no.such.key") {
		t.Errorf("Missing() = %v, want the missing key counted", m)
	}
}

func TestTIsSafeForConcurrentUse(t *testing.T) {
	c := load(t, "")
	var wg sync.WaitGroup
	for _, tag := range Citizen {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l := c.Localizer(tag)
			for i := range 50 {
				l.T("error.invalid.too_short", map[string]any{"Count": i})
				l.T("missing.key", nil)
				l.FormatDuration(i * 7)
			}
		}()
	}
	wg.Wait()
}

func TestFormatting(t *testing.T) {
	c := load(t, "")
	berlin, _ := time.LoadLocation("Europe/Berlin")
	newYork, _ := time.LoadLocation("America/New_York")
	at := time.Date(2026, 3, 2, 13, 5, 0, 0, time.UTC) // a Monday
	tests := []struct {
		tag                             language.Tag
		loc                             *time.Location
		clock, date, dateTime, number   string
		min1, min5, min21, h1m20, hours string
	}{
		{language.German, berlin, "14:05", "Mo 02.03.", "Mo 02.03., 14:05", "1.234", "1 Minute", "5 Minuten", "21 Minuten", "1 Stunde 20 Minuten", "2 Stunden"},
		{language.German, newYork, "08:05", "Mo 02.03.", "Mo 02.03., 08:05", "1.234", "1 Minute", "5 Minuten", "21 Minuten", "1 Stunde 20 Minuten", "2 Stunden"},
		{language.English, berlin, "14:05", "Mon 2 Mar", "Mon 2 Mar, 14:05", "1,234", "1 minute", "5 minutes", "21 minutes", "1 hour 20 minutes", "2 hours"},
		{language.Russian, berlin, "14:05", "пн, 2 мар.", "пн, 2 мар., 14:05", "1\u00a0234", "1 минута", "5 минут", "21 минута", "1 час 20 минут", "2 часа"},
		{language.Arabic, berlin, "١٤:٠٥", "الاثنين، ٢ مارس", "الاثنين، ٢ مارس، ١٤:٠٥", "١٬٢٣٤", "دقيقة واحدة", "٥ دقائق", "٢١ دقيقة", "ساعة واحدة و٢٠ دقيقة", "ساعتان"},
		{language.Persian, berlin, "۱۴:۰۵", "دوشنبه ۲ مارس", "دوشنبه ۲ مارس، ساعت ۱۴:۰۵", "۱٬۲۳۴", "۱ دقیقه", "۵ دقیقه", "۲۱ دقیقه", "۱ ساعت و ۲۰ دقیقه", "۲ ساعت"},
		{LeichteSprache, berlin, "14:05 Uhr", "Montag, 2. März", "Montag, 2. März, um 14:05 Uhr", "1.234", "1 Minute", "5 Minuten", "21 Minuten", "1 Stunde und 20 Minuten", "2 Stunden"},
	}
	for _, tt := range tests {
		l := c.Localizer(tt.tag)
		check := func(what, got, want string) {
			if got != want {
				t.Errorf("%s %s in %s: %q, want %q", tt.tag, what, tt.loc, got, want)
			}
		}
		check("FormatTime", l.FormatTime(at, tt.loc), tt.clock)
		check("FormatDate", l.FormatDate(at, tt.loc), tt.date)
		check("FormatDateTime", l.FormatDateTime(at, tt.loc), tt.dateTime)
		check("FormatNumber", l.FormatNumber(1234), tt.number)
		check("FormatDuration(1)", l.FormatDuration(1), tt.min1)
		check("FormatDuration(5)", l.FormatDuration(5), tt.min5)
		check("FormatDuration(21)", l.FormatDuration(21), tt.min21)
		check("FormatDuration(80)", l.FormatDuration(80), tt.h1m20)
		check("FormatDuration(120)", l.FormatDuration(120), tt.hours)
	}
}

func TestJS(t *testing.T) {
	c := load(t, "")
	for _, tag := range Citizen {
		js := c.JS(tag, "js.")
		for _, id := range c.IDs(language.German) {
			if k, ok := strings.CutPrefix(id, "js."); ok && js[k] == "" {
				t.Errorf("%s: JS lacks %q", tag, k)
			}
		}
		for k := range js {
			base, _, _ := strings.Cut(k, "#") // plural forms: key#one …
			if strings.HasPrefix(k, "js.") || !slices.Contains(c.IDs(language.German), "js."+base) {
				t.Errorf("%s: JS has unexpected key %q", tag, k)
			}
		}
		if !strings.Contains(js["estimate"], "{{.Minutes}}") {
			t.Errorf("%s: JS estimate %q lacks its placeholder for the script", tag, js["estimate"])
		}
	}
	if got := c.JS(language.Turkish, "js.")["hangUp"]; got != "Görüşmeden ayrıl" {
		t.Errorf("Turkish hangUp = %q", got)
	}
	if got := c.JS(language.German, "format.")["minutes#one"]; got != "{{.Count}} Minute" {
		t.Errorf("plural form in JS = %q, want the one form under minutes#one", got)
	}
}

func TestOverrideDirChangesAndAddsStrings(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "active.tr.json", `{"js.hangUp": "Görüşmeyi kapat", "county.hotline": "Danışma hattı: {{.Phone}}"}`)
	write(t, dir, "de.json", `{"county.hotline": "Bürgertelefon: {{.Phone}}", "privacy": "Datenschutz im Landkreis"}`)
	write(t, dir, "notes.txt", `not a catalogue`)

	before := load(t, "")
	after := load(t, dir)
	tr, de, en := after.Localizer(language.Turkish), after.Localizer(language.German), after.Localizer(language.English)
	tests := []struct {
		got, want string
	}{
		{tr.T("js.hangUp", nil), "Görüşmeyi kapat"},
		{after.JS(language.Turkish, "js.")["hangUp"], "Görüşmeyi kapat"},
		{tr.T("county.hotline", map[string]any{"Phone": "0941 123"}), "Danışma hattı: 0941 123"},
		{de.T("county.hotline", map[string]any{"Phone": "0941 123"}), "Bürgertelefon: 0941 123"},
		{en.T("county.hotline", map[string]any{"Phone": "0941 123"}), "Bürgertelefon: 0941 123"}, // German fallback
		{de.T("privacy", nil), "Datenschutz im Landkreis"},
		{tr.T("chat.send", nil), "Gönder"}, // untouched
		{before.Localizer(language.Turkish).T("js.hangUp", nil), "Görüşmeden ayrıl"},
	}
	for i, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("case %d: %q, want %q", i, tt.got, tt.want)
		}
	}
}

func TestBadOverrideFilesNameFileAndKey(t *testing.T) {
	tests := []struct {
		name, file, content string
		wantInError         []string
	}{
		{"broken JSON", "tr.json", `{"chat.send": `, []string{"tr.json"}},
		{"unknown language", "xx-Klingon.json", `{"chat.send": "x"}`, []string{"xx-Klingon.json", "not supported"}},
		{"unsupported language", "ja.json", `{"chat.send": "送信"}`, []string{"ja.json", "not supported"}},
		{"bad template", "ru.json", `{"js.estimate": "около {{.Minutes мин."}`, []string{"ru.json", `"js.estimate"`}},
		{"unknown placeholder", "ar.json", `{"js.estimate": "{{.Minuten}} دقيقة"}`, []string{"ar.json", `"js.estimate"`, "Minuten", "Minutes"}},
		{"wrong number of weekdays", "de.json", `{"format.weekdays": "So Mo Di"}`, []string{"de.json", `"format.weekdays"`, "7"}},
		{"plural without other", "en.json", `{"format.minutes": {"one": "{{.Count}} minute"}}`, []string{"en.json", `"format.minutes"`, "other"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, dir, tt.file, tt.content)
			_, err := Load(dir)
			if err == nil {
				t.Fatal("Load accepted the file")
			}
			for _, w := range tt.wantInError {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func write(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestPseudo(t *testing.T) {
	c := load(t, "")
	p := c.Pseudo(language.German)
	if got := p.T("chat.send", nil); got != "⟦Šéñðéñ~~~⟧" {
		t.Errorf("pseudo chat.send = %q", got)
	}
	if got := p.JS("js.")["estimate"]; !strings.Contains(got, "{{.Minutes}}") || !strings.HasPrefix(got, PseudoOpen) {
		t.Errorf("pseudo JS estimate = %q, want marked text with its placeholder intact", got)
	}
	if got := p.FormatDateTime(time.Date(2026, 3, 2, 13, 5, 0, 0, time.UTC), time.UTC); strings.Count(got, PseudoOpen) != 1 {
		t.Errorf("pseudo date-time %q is marked more than once", got)
	}
	placeholder := regexp.MustCompile(`\{\{[^}]*\}\}`)
	ascii := regexp.MustCompile(`[A-Za-z]`)
	for _, id := range c.IDs(language.German) {
		text := c.langs[language.German].msgs[id].Other
		got := PseudoText(text)
		if utf8.RuneCountInString(got) < utf8.RuneCountInString(text)*14/10 {
			t.Errorf("%s: pseudo text %q is not 40 %% longer than %q", id, got, text)
		}
		if ascii.MatchString(placeholder.ReplaceAllString(got, "")) {
			t.Errorf("%s: pseudo text %q keeps unaccented letters", id, got)
		}
		if !slices.Equal(placeholder.FindAllString(got, -1), placeholder.FindAllString(text, -1)) {
			t.Errorf("%s: pseudo text %q changed the placeholders of %q", id, got, text)
		}
	}
}
