package i18n

import (
	"fmt"
	"strings"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// The patterns are catalogue messages, so translators and counties can
// change them; format.weekdays and format.months are space-separated name
// lists (Sunday first; January first). Their arguments:
//
//	format.time      {{.Hour}} {{.Minute}}  (two digits each, 24-hour clock)
//	format.date      {{.Weekday}} {{.Day}} {{.Day2}} {{.Month}} {{.Month2}} {{.MonthName}} {{.Year}}
//	format.datetime  {{.Date}} {{.Time}}
//	format.minutes, format.hours  {{.Count}} (plural)
//	format.hours_minutes  {{.Hours}} {{.Minutes}} (the two rendered above)
//
// Digits are the language's own (Arabic-Indic for ar, Persian for fa), as
// x/text's number printer writes them.

// FormatNumber writes n with the language's digits and grouping
// (1.234 in German, ١٬٢٣٤ in Arabic).
func (l *Localizer) FormatNumber(n int) string {
	return message.NewPrinter(l.lang.tag).Sprintf("%d", n)
}

// FormatTime writes the clock time of t in loc (the site's time zone; nil
// keeps t's own location).
func (l *Localizer) FormatTime(t time.Time, loc *time.Location) string {
	return l.out(l.formatTime(t, loc))
}

func (l *Localizer) formatTime(t time.Time, loc *time.Location) string {
	t = in(t, loc)
	return l.render("format.time", map[string]any{
		"Hour":   l.digits(fmt.Sprintf("%02d", t.Hour())),
		"Minute": l.digits(fmt.Sprintf("%02d", t.Minute())),
	})
}

// FormatDate writes the date of t in loc, e.g. "Mo 02.03." or
// "Mon 2 Mar".
func (l *Localizer) FormatDate(t time.Time, loc *time.Location) string {
	return l.out(l.formatDate(t, loc))
}

// FormatFullDate writes a date with its year, e.g. "29.11.2025" or
// "29 Nov 2025", for dates that are not near today (a statement's date).
func (l *Localizer) FormatFullDate(t time.Time, loc *time.Location) string {
	return l.out(l.formatDateAs("format.date_full", t, loc))
}

func (l *Localizer) formatDate(t time.Time, loc *time.Location) string {
	return l.formatDateAs("format.date", t, loc)
}

func (l *Localizer) formatDateAs(key string, t time.Time, loc *time.Location) string {
	t = in(t, loc)
	return l.render(key, map[string]any{
		"Weekday":   l.name("format.weekdays", int(t.Weekday())),
		"Day":       l.digits(fmt.Sprint(t.Day())),
		"Day2":      l.digits(fmt.Sprintf("%02d", t.Day())),
		"Month":     l.digits(fmt.Sprint(int(t.Month()))),
		"Month2":    l.digits(fmt.Sprintf("%02d", int(t.Month()))),
		"MonthName": l.name("format.months", int(t.Month())-1),
		"Year":      l.digits(fmt.Sprint(t.Year())),
	})
}

// FormatDateTime writes date and time of t in loc.
func (l *Localizer) FormatDateTime(t time.Time, loc *time.Location) string {
	return l.out(l.render("format.datetime", map[string]any{
		"Date": l.formatDate(t, loc),
		"Time": l.formatTime(t, loc),
	}))
}

// FormatDuration writes a duration given in minutes ("5 Minuten",
// "1 Stunde 20 Minuten"); negative durations count as zero.
func (l *Localizer) FormatDuration(minutes int) string {
	return l.out(l.formatDuration(minutes))
}

func (l *Localizer) formatDuration(minutes int) string {
	minutes = max(minutes, 0)
	h, m := minutes/60, minutes%60
	switch {
	case h == 0:
		return l.render("format.minutes", map[string]any{"Count": m})
	case m == 0:
		return l.render("format.hours", map[string]any{"Count": h})
	}
	return l.render("format.hours_minutes", map[string]any{
		"Hours":   l.render("format.hours", map[string]any{"Count": h}),
		"Minutes": l.render("format.minutes", map[string]any{"Count": m}),
	})
}

func in(t time.Time, loc *time.Location) time.Time {
	if loc == nil {
		return t
	}
	return t.In(loc)
}

// name picks the i-th entry of a space-separated list message.
func (l *Localizer) name(id string, i int) string {
	names := strings.Fields(l.render(id, nil))
	if i < 0 || i >= len(names) {
		return ""
	}
	return names[i]
}

// digits replaces ASCII digits by the language's own.
func (l *Localizer) digits(s string) string {
	if l.lang.digits[0] == "0" {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteString(l.lang.digits[r-'0'])
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// digitsOf asks x/text's printer for the language's ten digits.
func digitsOf(tag language.Tag) [10]string {
	var d [10]string
	p := message.NewPrinter(tag)
	for i := range d {
		d[i] = p.Sprintf("%d", i)
	}
	return d
}
