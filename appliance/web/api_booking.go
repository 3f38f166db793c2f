package web

import (
	"errors"
	"net/http"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/appointments"
	"github.com/buergerbuero/buergerbuero/appliance/problem"
)

// The public booking API (contract: docs/api/openapi.yaml, tag booking)
// and the clerks' booking endpoints. All rules live in package
// appointments; this file reads requests, checks the proof of work and
// writes answers.

var errNoBooking = problem.New(problem.KindNotFound, "booking_not_found")

// book returns the appointment book, or writes 404 when there is none.
func (s *Server) book(w http.ResponseWriter, r *http.Request) *appointments.Book {
	if s.opt.Booking == nil {
		s.writeProblem(w, r, errNoBooking)
	}
	return s.opt.Booking
}

// checkProofOfWork verifies the proof of work of a hold or waitlist
// request; without a verifier every such request is refused.
func (s *Server) checkProofOfWork(payload string) error {
	if s.opt.ProofOfWork == nil {
		return appointments.ErrPoWUnavailable
	}
	if payload == "" {
		return appointments.ErrPoWRequired
	}
	ok, err := s.opt.ProofOfWork.Verify(payload)
	if err != nil || !ok {
		return appointments.ErrPoWRequired
	}
	return nil
}

// parseTime reads an RFC 3339 time; errors name the field.
func parseTime(field, v string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, problem.Invalid(field, "time_format", nil)
	}
	return t, nil
}

// parseDay reads YYYY-MM-DD (the day's start in loc) or an RFC 3339 time.
func parseDay(field, v string, loc *time.Location) (time.Time, error) {
	if t, err := time.ParseInLocation("2006-01-02", v, loc); err == nil {
		return t, nil
	}
	return parseTime(field, v)
}

type serviceView struct {
	ID              string   `json:"id"`
	Name            string   `json:"name"`
	DurationMinutes int      `json:"duration_minutes"`
	Languages       []string `json:"languages"`
	WhatToBring     string   `json:"what_to_bring,omitempty"`
	Mode            string   `json:"mode"`
}

func (s *Server) apiServices(w http.ResponseWriter, r *http.Request) {
	b := s.book(w, r)
	if b == nil {
		return
	}
	list, err := b.Services(r.PathValue("id"))
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	out := make([]serviceView, 0, len(list))
	for _, svc := range list {
		out = append(out, serviceView{ID: svc.ID, Name: svc.Name, DurationMinutes: int(svc.Duration / time.Minute),
			Languages: svc.Languages, WhatToBring: svc.WhatToBring, Mode: string(svc.Mode)})
	}
	writeJSON(w, 200, map[string]any{"services": out})
}

func (s *Server) apiSlots(w http.ResponseWriter, r *http.Request) {
	b := s.book(w, r)
	if b == nil {
		return
	}
	loc := b.Location()
	q := r.URL.Query()
	from, to := time.Now(), time.Now().AddDate(0, 0, 14)
	var err error
	if v := q.Get("from"); v != "" {
		if from, err = parseDay("from", v, loc); err != nil {
			s.writeProblem(w, r, err)
			return
		}
	}
	if v := q.Get("to"); v != "" {
		if to, err = parseDay("to", v, loc); err != nil {
			s.writeProblem(w, r, err)
			return
		}
	}
	slots, err := b.Slots(r.Context(), r.PathValue("id"), r.PathValue("svc"), from, to)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	writeJSON(w, 200, map[string]any{"slots": slots})
}

type holdBody struct {
	Service  string `json:"service"`
	Start    string `json:"start"`
	Contact  string `json:"contact"`
	Language string `json:"language"`
	// ConversationLanguage: the language of the conversation with the
	// clerk, one of the service's ("": Language)
	ConversationLanguage string `json:"conversation_language"`
	Concern              string `json:"concern"`
	ProofOfWork          string `json:"proof_of_work"`
}

func (s *Server) apiHold(w http.ResponseWriter, r *http.Request) {
	b := s.book(w, r)
	if b == nil {
		return
	}
	var body holdBody
	if err := readJSON(r, &body); err != nil {
		s.writeProblem(w, r, err)
		return
	}
	if err := s.checkProofOfWork(body.ProofOfWork); err != nil {
		s.writeProblem(w, r, err)
		return
	}
	start, err := parseTime("start", body.Start)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	h, err := b.Hold(r.Context(), appointments.HoldRequest{Office: r.PathValue("id"), Service: body.Service, Start: start,
		Contact: body.Contact, Lang: body.Language, Conversation: body.ConversationLanguage, Concern: body.Concern, Client: s.clientIP(r)})
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, h)
}

type codeBody struct {
	Code string `json:"code"`
}

func (s *Server) apiConfirmHold(w http.ResponseWriter, r *http.Request) {
	b := s.book(w, r)
	if b == nil {
		return
	}
	var body codeBody
	if err := readJSON(r, &body); err != nil {
		s.writeProblem(w, r, err)
		return
	}
	bk, err := b.Confirm(r.Context(), r.PathValue("id"), body.Code)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/bookings/"+bk.ID)
	writeJSON(w, http.StatusCreated, bk)
}

func (s *Server) apiCancelBooking(w http.ResponseWriter, r *http.Request) {
	b := s.book(w, r)
	if b == nil {
		return
	}
	tok := ticketToken(r)
	if tok == "" {
		s.writeProblem(w, r, appointments.ErrBadToken)
		return
	}
	if err := b.Cancel(r.Context(), r.PathValue("id"), tok); err != nil {
		s.writeProblem(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type waitBody struct {
	Service     string `json:"service"`
	Day         string `json:"day"`
	Contact     string `json:"contact"`
	Language    string `json:"language"`
	ProofOfWork string `json:"proof_of_work"`
}

func (s *Server) apiJoinWaitlist(w http.ResponseWriter, r *http.Request) {
	b := s.book(w, r)
	if b == nil {
		return
	}
	var body waitBody
	if err := readJSON(r, &body); err != nil {
		s.writeProblem(w, r, err)
		return
	}
	if err := s.checkProofOfWork(body.ProofOfWork); err != nil {
		s.writeProblem(w, r, err)
		return
	}
	h, err := b.JoinWaitlist(r.Context(), appointments.WaitRequest{Office: r.PathValue("id"), Service: body.Service, Day: body.Day,
		Contact: body.Contact, Lang: body.Language, Client: s.clientIP(r)})
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, h)
}

func (s *Server) apiConfirmWaitlist(w http.ResponseWriter, r *http.Request) {
	b := s.book(w, r)
	if b == nil {
		return
	}
	var body codeBody
	if err := readJSON(r, &body); err != nil {
		s.writeProblem(w, r, err)
		return
	}
	if err := b.ConfirmWaitlist(r.Context(), r.PathValue("id"), body.Code); err != nil {
		s.writeProblem(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiAcceptOffer(w http.ResponseWriter, r *http.Request) {
	b := s.book(w, r)
	if b == nil {
		return
	}
	bk, err := b.Accept(r.Context(), r.PathValue("id"), ticketToken(r))
	if errors.Is(err, appointments.ErrNotFound) {
		err = appointments.ErrOfferExpired
	}
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/bookings/"+bk.ID)
	writeJSON(w, http.StatusCreated, bk)
}
