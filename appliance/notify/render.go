package notify

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"strings"
	"time"

	"golang.org/x/text/language"

	"github.com/buergerbuero/buergerbuero/appliance/i18n"
)

// Renderer turns a Message into the text a citizen reads, in the message's
// language (catalogue area notify.<tag>.json), with times in the site's
// time zone.
type Renderer struct {
	Cat *i18n.Catalogue
	// Loc is site.time_zone; its name is the iCalendar TZID.
	Loc *time.Location
	// Site is the operator's name (site.name), signing the messages.
	Site string
	// Organizer is the e-mail address the calendar events name as their
	// organiser (notify.email.from).
	Organizer string
}

// Email is a rendered e-mail.
type Email struct {
	Subject, Text, HTML string
	// ICS is the calendar attachment (nil for messages without an
	// event); ICSMethod is its iTIP method, REQUEST or CANCEL.
	ICS       []byte
	ICSMethod string
}

//go:embed email.html
var emailHTML string

var htmlTmpl = template.Must(template.New("email").Parse(emailHTML))

type link struct{ Label, URL string }

type htmlData struct {
	Lang, Dir, Subject, Greeting, Details, Footer string
	Code                                          string
	Body, Notes                                   []string
	Links                                         []link
}

func (r *Renderer) localizer(m Message) *i18n.Localizer {
	tag, err := language.Parse(m.Lang)
	if err != nil {
		tag = language.German
	}
	return r.Cat.Localizer(tag)
}

// when writes a point in time as the catalogue's notify.when ("Mo 02.03.,
// 10:15 Uhr").
func (r *Renderer) when(l *i18n.Localizer, t time.Time) string {
	return l.T("notify.when", map[string]any{"Date": l.FormatDate(t, r.Loc), "Time": l.FormatTime(t, r.Loc)})
}

func (r *Renderer) args(l *i18n.Localizer, m Message) map[string]any {
	return map[string]any{
		"Office": m.Office, "Service": m.Service, "Code": m.Code, "Site": r.Site,
		"When": r.when(l, m.Start), "Expires": r.when(l, m.Expires),
		"Duration": l.FormatDuration(int(m.Duration / time.Minute)),
		"Reason":   m.Reason, "WhatToBring": m.WhatToBring,
	}
}

// Email renders an e-mail: subject, plain text, HTML (dir="rtl" for
// Arabic and Persian) and, for confirmations and cancellations, the
// calendar event.
func (r *Renderer) Email(m Message) (Email, error) {
	l := r.localizer(m)
	a := r.args(l, m)
	d := htmlData{Lang: l.Tag().String(), Dir: l.Dir(), Code: m.Code}
	d.Subject = l.T("notify.subject."+string(m.Kind), a)
	d.Greeting = l.T("notify.greeting", nil)
	d.Body = append(d.Body, l.T("notify.body."+string(m.Kind), a))
	if m.Kind == KindCode {
		d.Body = append(d.Body, l.T("notify.body.code_expires", a))
	}
	if !m.Start.IsZero() {
		d.Details = l.T("notify.details", a)
	}
	if m.Reason != "" {
		d.Notes = append(d.Notes, l.T("notify.reason", a))
	}
	if m.WhatToBring != "" && m.Kind != KindCancellation {
		d.Notes = append(d.Notes, l.T("notify.bring", a))
	}
	for _, k := range []struct{ key, url string }{
		{"notify.link.join", m.JoinURL}, {"notify.link.accept", m.AcceptURL},
		{"notify.link.cancel", m.CancelURL}, {"notify.link.rebook", m.RebookURL},
	} {
		if k.url != "" {
			d.Links = append(d.Links, link{l.T(k.key, nil), k.url})
		}
	}
	d.Footer = l.T("notify.footer", a)

	var text strings.Builder
	text.WriteString(d.Greeting + "\n\n")
	for _, p := range d.Body {
		text.WriteString(p + "\n")
	}
	if d.Details != "" {
		text.WriteString("\n" + d.Details + "\n")
	}
	for _, n := range d.Notes {
		text.WriteString(n + "\n")
	}
	if len(d.Links) > 0 {
		text.WriteString("\n")
	}
	for _, k := range d.Links {
		text.WriteString(k.Label + ":\n" + k.URL + "\n\n")
	}
	text.WriteString("-- \n" + d.Footer + "\n")

	var html bytes.Buffer
	if err := htmlTmpl.Execute(&html, d); err != nil {
		return Email{}, fmt.Errorf("render %s: %w", m.Kind, err)
	}
	e := Email{Subject: d.Subject, Text: text.String(), HTML: html.String()}
	switch m.Kind {
	case KindConfirmation:
		e.ICSMethod = "REQUEST"
	case KindCancellation:
		e.ICSMethod = "CANCEL"
	}
	if e.ICSMethod != "" && !m.Start.IsZero() && m.UID != "" {
		ics, err := r.event(m, l, e.ICSMethod)
		if err != nil {
			return Email{}, err
		}
		e.ICS = ics
	}
	return e, nil
}

// SMS renders the short text of a message (see docs/notify.md for the
// length limits per language).
func (r *Renderer) SMS(m Message) string {
	l := r.localizer(m)
	a := r.args(l, m)
	switch m.Kind {
	case KindConfirmation:
		a["URL"] = m.CancelURL
	case KindReminder:
		a["URL"] = firstOf(m.JoinURL, m.CancelURL)
	case KindCancellation:
		a["URL"] = m.RebookURL
	case KindWaitlistOffer:
		a["URL"] = m.AcceptURL
	}
	return l.T("notify.sms."+string(m.Kind), a)
}

func firstOf(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
