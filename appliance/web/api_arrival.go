package web

import (
	"net/http"

	"github.com/buergerbuero/buergerbuero/appliance/appointments"
	"github.com/buergerbuero/buergerbuero/appliance/reception"
)

// The join link in the slot: the page /a/{id} reads the join token from
// the URL's fragment and posts it here as a bearer token. Inside the
// window the citizen gets a ticket first in the office's queue (the same
// one on every call) and goes on to the waiting room like after a knock.

func (s *Server) pageArrival(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, 200, page{Title: "arrival.title", Body: "arrival", Script: "arrival.js", Data: r.PathValue("id")})
}

func (s *Server) apiArrive(w http.ResponseWriter, r *http.Request) {
	b := s.book(w, r)
	if b == nil {
		return
	}
	tok := ticketToken(r)
	if tok == "" {
		s.writeProblem(w, r, appointments.ErrBadToken)
		return
	}
	a, err := b.Arrive(r.Context(), r.PathValue("id"), tok)
	if we, ok := appointments.IsWindowError(err); ok {
		// the slot's date and time in the reader's language and the
		// site's time zone
		l := s.pageLang(r)
		err = we.Err.With("", map[string]any{"Date": l.l.FormatDate(we.Start, l.loc), "Time": l.l.FormatTime(we.Start, l.loc),
			"Minutes": int(b.JoinBefore().Minutes())})
	}
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	res, err := s.rec.Arrive(r.Context(), a.Office, reception.ArrivalRequest{TicketID: a.TicketID, Token: a.TicketToken,
		Appointment: a.ID, At: a.Start, Service: a.Service, Concern: a.Concern, Language: a.Lang})
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/tickets/"+res.Ticket.ID)
	writeJSON(w, http.StatusOK, knockResponse{ID: res.Ticket.ID, Number: res.Ticket.Number, Token: res.Token,
		Place: res.View.Place, EstimateSeconds: res.View.EstimateSeconds, Ticket: res.View})
}
