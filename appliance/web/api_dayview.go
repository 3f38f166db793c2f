package web

import (
	"context"
	"net/http"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/appointments"
	"github.com/buergerbuero/buergerbuero/appliance/reception"
)

// The staff day view of an office's appointments (GET
// /api/v1/staff/appointments, page /staff/appointments): times, ticket
// number, service and state for every clerk; the concern only for the
// office's own clerks, and never for a counselling office's outsiders.

// Day view states: a booking's own state, refined by its ticket's.
const (
	dayUpcoming       = "upcoming"
	dayArrived        = "arrived"
	dayInConsultation = "in_consultation"
	dayDone           = "done"
	dayNoShow         = "no_show"
	dayCancelled      = "cancelled"
)

type dayEntry struct {
	ID           string    `json:"id"`
	Start        time.Time `json:"start"`
	End          time.Time `json:"end"`
	Time         string    `json:"time"` // "10:15" in the site's time zone
	Service      string    `json:"service"`
	ServiceName  string    `json:"service_name"`
	State        string    `json:"state"`
	TicketID     string    `json:"ticket_id,omitempty"`
	TicketNumber string    `json:"ticket_number,omitempty"`
	Clerk        string    `json:"clerk,omitempty"`
	Concern      string    `json:"concern,omitempty"`
	ByPhone      bool      `json:"by_phone,omitempty"`
}

type dayView struct {
	Office       string     `json:"office"`
	Day          string     `json:"day"`
	Appointments []dayEntry `json:"appointments"`
}

// day builds the day view of office for actor; clerk, if not empty,
// keeps the appointments whose ticket that clerk handles or is reserved
// for (a chosen clerk).
func (s *Server) day(ctx context.Context, b *appointments.Book, a reception.Actor, office, day, clerk string) (dayView, error) {
	if day == "" {
		day = time.Now().In(s.location()).Format("2006-01-02")
	}
	list, err := b.Day(ctx, office, day)
	if err != nil {
		return dayView{}, err
	}
	concern := a.Clerk.MemberOf(office)
	v := dayView{Office: office, Day: day, Appointments: []dayEntry{}}
	for _, e := range list {
		d := dayEntry{ID: e.ID, Start: e.Start, End: e.End, Time: e.Start.In(s.location()).Format("15:04"), Service: e.Service,
			ServiceName: e.ServiceName, State: string(e.State), TicketID: e.TicketID, ByPhone: e.BookedBy != ""}
		if concern {
			d.Concern = e.Concern
		}
		switch e.State {
		case appointments.StateBooked:
			d.State = dayUpcoming
		case appointments.StateNoShow:
			d.State = dayNoShow
		case appointments.StateCancelled:
			d.State = dayCancelled
		case appointments.StateArrived:
			d.State = dayArrived
			if t, err := s.rec.Summary(ctx, e.TicketID); err == nil {
				d.TicketNumber, d.Clerk = t.Number, t.Clerk
				if d.Clerk == "" {
					d.Clerk = t.ReservedFor
				}
				switch {
				case t.State == reception.StateCalled || t.State == reception.StateInConsultation:
					d.State = dayInConsultation
				case t.State.Final():
					d.State = dayDone
				}
			}
		}
		if clerk != "" && d.Clerk != clerk {
			continue
		}
		v.Appointments = append(v.Appointments, d)
	}
	return v, nil
}

func (s *Server) apiStaffDay(w http.ResponseWriter, r *http.Request) {
	b := s.book(w, r)
	if b == nil {
		return
	}
	q := r.URL.Query()
	v, err := s.day(r.Context(), b, actorOf(r), q.Get("office"), q.Get("day"), q.Get("clerk"))
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	writeJSON(w, 200, v)
}

// dayPage is the data of the day view page.
type dayPage struct {
	View          dayView
	Offices       []reception.OfficeStatus
	Prev, Next    string
	Date          time.Time
	ConcernHidden bool
}

// pageStaffDay renders the day view for a signed-in clerk, without a
// script: links switch office and day.
func (s *Server) pageStaffDay(w http.ResponseWriter, r *http.Request) {
	a, sess, err := s.staffIdentity(r)
	if err != nil || sess == nil {
		http.Redirect(w, r, "/staff/login", http.StatusSeeOther)
		return
	}
	if to := staffGate(sess); to != "" {
		http.Redirect(w, r, to, http.StatusSeeOther)
		return
	}
	b := s.opt.Booking
	q := r.URL.Query()
	office := q.Get("office")
	var offices []reception.OfficeStatus
	for _, o := range s.rec.Offices() {
		if a.Clerk.MemberOf(o.ID) {
			offices = append(offices, o)
		}
	}
	if office == "" && len(offices) > 0 {
		office = offices[0].ID
	}
	if b == nil || office == "" {
		s.render(w, r, 404, page{Title: "notfound.title", Body: "notfound"})
		return
	}
	v, err := s.day(r.Context(), b, a, office, q.Get("day"), q.Get("clerk"))
	if err != nil {
		s.render(w, r, 404, page{Title: "notfound.title", Body: "notfound"})
		return
	}
	d, _ := time.ParseInLocation("2006-01-02", v.Day, s.location())
	p := dayPage{View: v, Offices: offices, Date: d, Prev: d.AddDate(0, 0, -1).Format("2006-01-02"),
		Next: d.AddDate(0, 0, 1).Format("2006-01-02"), ConcernHidden: !a.Clerk.MemberOf(office)}
	s.render(w, r, 200, page{Title: "dayview.title", Body: "dayview", Data: p})
}
