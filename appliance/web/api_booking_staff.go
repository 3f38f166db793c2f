package web

import (
	"net/http"

	"github.com/buergerbuero/buergerbuero/appliance/appointments"
)

// Clerks' booking endpoints (docs/api/staff-api.md): book for a citizen
// who phones, cancel with a message, block or add chairs. Office
// membership is checked by package appointments.

type phoneBookingBody struct {
	Office   string `json:"office"`
	Service  string `json:"service"`
	Start    string `json:"start"`
	Contact  string `json:"contact"`
	Language string `json:"language"`
	Concern  string `json:"concern"`
}

func (s *Server) apiStaffBook(w http.ResponseWriter, r *http.Request) {
	b := s.book(w, r)
	if b == nil {
		return
	}
	var body phoneBookingBody
	if err := readJSON(r, &body); err != nil {
		s.writeProblem(w, r, err)
		return
	}
	start, err := parseTime("start", body.Start)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	bk, err := b.BookForCitizen(r.Context(), actorOf(r).Clerk, appointments.PhoneBooking{Office: body.Office, Service: body.Service,
		Start: start, Contact: body.Contact, Lang: body.Language, Concern: body.Concern})
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, bk)
}

type staffCancelBody struct {
	Reason string `json:"reason"`
}

func (s *Server) apiStaffCancel(w http.ResponseWriter, r *http.Request) {
	b := s.book(w, r)
	if b == nil {
		return
	}
	var body staffCancelBody
	if err := readJSON(r, &body); err != nil {
		s.writeProblem(w, r, err)
		return
	}
	if err := b.CancelByClerk(r.Context(), actorOf(r).Clerk, r.PathValue("id"), body.Reason); err != nil {
		s.writeProblem(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type capacityBody struct {
	Office string `json:"office"`
	Start  string `json:"start"`
	End    string `json:"end"`
	Chairs int    `json:"chairs"`
}

func (s *Server) apiStaffCapacity(w http.ResponseWriter, r *http.Request) {
	b := s.book(w, r)
	if b == nil {
		return
	}
	var body capacityBody
	if err := readJSON(r, &body); err != nil {
		s.writeProblem(w, r, err)
		return
	}
	start, err := parseTime("start", body.Start)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	end, err := parseTime("end", body.End)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	err = b.AdjustCapacity(r.Context(), actorOf(r).Clerk, appointments.Adjustment{Office: body.Office, Start: start, End: end, Chairs: body.Chairs})
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
