package admin

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/config"
	"github.com/buergerbuero/buergerbuero/appliance/problem"
	"github.com/buergerbuero/buergerbuero/appliance/text"
)

// ServiceDef is one service of an office, booked or walked in for (as
// config.Service; package appointments takes them from here for the offices
// the web manages).
type ServiceDef struct {
	ID          string        `json:"id"`
	Name        string        `json:"name"`
	Duration    time.Duration `json:"duration"`
	Languages   []string      `json:"languages,omitempty"`
	WhatToBring string        `json:"what_to_bring,omitempty"`
	Mode        string        `json:"mode"`
}

// ServiceInput is one row of the services form, as typed; a row without
// id and name is left out (that removes a service).
type ServiceInput struct {
	ID, Name, Duration, Languages, WhatToBring, Mode string
}

// ServiceInputOf is the form row of a service.
func ServiceInputOf(d ServiceDef) ServiceInput {
	return ServiceInput{ID: d.ID, Name: d.Name, Duration: shortDuration(d.Duration), Languages: strings.Join(d.Languages, ", "),
		WhatToBring: d.WhatToBring, Mode: d.Mode}
}

// shortDuration writes 15m rather than 15m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// Services are an office's services: the file's for a file office, else
// the stored ones.
func (s *Service) Services(officeID string) []ServiceDef {
	for _, o := range s.cfg.Offices {
		if o.ID == officeID {
			out := make([]ServiceDef, 0, len(o.Services))
			for _, c := range o.Services {
				out = append(out, ServiceDef{ID: c.ID, Name: c.Name, Duration: c.Duration.Duration, Languages: c.Languages, WhatToBring: c.WhatToBring, Mode: c.Mode})
			}
			return out
		}
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Clone(s.services[officeID])
}

// SaveServices replaces the services of an office the web manages, with
// the file's rules for each row, applies them to the appointment book and
// audits the ids of the services after the change (admin.services.update).
func (s *Service) SaveServices(ctx context.Context, actor, officeID string, rows []ServiceInput) error {
	if s.FileOffice(officeID) {
		return ErrFileSet.With("services", nil)
	}
	if _, err := s.Office(ctx, officeID); err != nil {
		return err
	}
	var list []ServiceDef
	var bad Invalid
	seen := map[string]bool{}
	for i, r := range rows {
		id, name := strings.TrimSpace(r.ID), text.Clean(r.Name)
		if id == "" && name == "" {
			continue
		}
		d := ServiceDef{ID: id, Name: name, WhatToBring: text.Clean(r.WhatToBring), Mode: strings.TrimSpace(r.Mode)}
		if d.Mode == "" {
			d.Mode = "both"
		}
		d.Languages = strings.FieldsFunc(strings.ToLower(r.Languages), func(c rune) bool { return c == ',' || c == ' ' })
		dur, err := time.ParseDuration(strings.TrimSpace(r.Duration))
		if err != nil {
			dur = -1
		}
		d.Duration = dur
		if seen[id] {
			bad = append(bad, errServiceID.With(fmt.Sprintf("svc_id_%d", i), nil))
			continue
		}
		seen[id] = true
		if p := serviceProblem(d, i); p != nil {
			bad = append(bad, p)
			continue
		}
		list = append(list, d)
	}
	if len(bad) > 0 {
		return bad
	}
	old := s.Services(officeID)
	if slices.EqualFunc(old, list, func(a, b ServiceDef) bool {
		return a.ID == b.ID && a.Name == b.Name && a.Duration == b.Duration && slices.Equal(a.Languages, b.Languages) && a.WhatToBring == b.WhatToBring && a.Mode == b.Mode
	}) {
		return nil
	}
	ids := make([]string, len(list))
	for i, d := range list {
		ids[i] = d.ID
	}
	if err := s.store.SaveOfficeServices(ctx, officeID, list, Change{At: s.now(), Actor: actor, Action: "admin.services.update", OfficeID: officeID, Detail: "services:" + strings.Join(ids, ",")}); err != nil {
		return err
	}
	s.mu.Lock()
	next := make(map[string][]ServiceDef, len(s.services)+1)
	for k, v := range s.services {
		next[k] = v
	}
	next[officeID] = list
	s.services = next
	s.mu.Unlock()
	return s.bookChanged(ctx)
}

// serviceProblem checks one service with the file's rules
// (offices[].services[]) and names the form field of row i.
func serviceProblem(d ServiceDef, i int) *problem.Error {
	err := probe(func(c *config.Office) {
		c.Services = []config.Service{{ID: d.ID, Name: d.Name, Duration: config.Duration{Duration: d.Duration}, Languages: d.Languages, WhatToBring: d.WhatToBring, Mode: d.Mode}}
	}, "")
	if err == nil {
		return nil
	}
	var fe *config.FieldError
	field := "name"
	if asField(err, &fe) {
		field = fe.Field[strings.LastIndex(fe.Field, ".")+1:]
	}
	switch field {
	case "id":
		return errServiceID.With(fmt.Sprintf("svc_id_%d", i), nil)
	case "duration":
		return errServiceDuration.With(fmt.Sprintf("svc_duration_%d", i), nil)
	case "mode":
		return errServiceMode.With(fmt.Sprintf("svc_mode_%d", i), nil)
	case "languages":
		return errLanguages.With(fmt.Sprintf("svc_languages_%d", i), nil)
	case "what_to_bring":
		return errTextTooLong.With(fmt.Sprintf("svc_bring_%d", i), map[string]any{"Max": 500})
	}
	return errName.With(fmt.Sprintf("svc_name_%d", i), nil)
}

func (s *Service) bookChanged(ctx context.Context) error {
	if s.hooks.BookChanged == nil {
		return nil
	}
	return s.hooks.BookChanged(ctx)
}
