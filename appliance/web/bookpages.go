package web

import (
	"encoding/json"
	"net/http"
	"slices"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/appointments"
)

// The citizen's booking pages: /offices/{id}/book (service, day, slot,
// contact, proof of work → hold → code → confirmation; the waitlist when
// a day is full), /a/{id}/cancel and /w/{id}. The pages call the public
// booking API (api_booking.go); the tokens of cancel and offer links stay
// after '#' and reach the server only in an Authorization header.

// bookView is the booking page's data beyond the office.
type bookView struct {
	Services      []bookService
	Days          []bookDay
	RetentionDays int
	// TimeFormat is the language's clock pattern with the placeholders
	// {{.Hour}} and {{.Minute}} left for the script (format.time).
	TimeFormat string
	// TimeZone is site.time_zone, in which slots are shown.
	TimeZone string
	// PoWStrings are the ALTCHA widget's texts (its strings attribute).
	PoWStrings string
	// SMS: codes can also go to a mobile number (an SMS gateway is
	// configured); otherwise the page asks for an e-mail address only.
	SMS bool
}

type bookService struct {
	appointments.Service
	Seconds   int
	Languages []langOption
	// Checked: the service asked for (?service=, e.g. from an event's
	// registration link), else the first
	Checked bool
}

type bookDay struct {
	Value, Label string
}

// bookable reports whether an office has services a citizen can book.
func (s *Server) bookable(office string) bool {
	if s.opt.Booking == nil {
		return false
	}
	list, err := s.opt.Booking.Services(office)
	return err == nil && len(list) > 0
}

// bookableOffices maps each office that takes bookings to true, for the
// links into booking on the office list, the widget and the knock page.
func (s *Server) bookableOffices() map[string]bool {
	m := map[string]bool{}
	for _, o := range s.rec.Offices() {
		if s.bookable(o.ID) {
			m[o.ID] = true
		}
	}
	return m
}

func (s *Server) pageBook(w http.ResponseWriter, r *http.Request) {
	st, ok := s.rec.OfficeStatus(r.PathValue("id"))
	if !ok {
		s.render(w, r, 404, page{Title: "notfound.title", Body: "notfound"})
		return
	}
	pl := s.pageLang(r)
	v := bookView{TimeZone: s.location().String(),
		TimeFormat: pl.T("format.time", "Hour", "{{.Hour}}", "Minute", "{{.Minute}}")}
	pow, _ := json.Marshal(map[string]string{"label": pl.T("pow.label"), "verifying": pl.T("pow.verifying"),
		"verified": pl.T("pow.verified"), "error": pl.T("pow.error"), "expired": pl.T("pow.expired"), "waitAlert": pl.T("pow.wait")})
	v.PoWStrings = string(pow)
	v.SMS = slices.Contains(s.opt.OutboxChannels, "sms")
	if b := s.opt.Booking; b != nil {
		v.RetentionDays = int((b.Retention() + 24*time.Hour - 1) / (24 * time.Hour))
		services, _ := b.Services(st.ID)
		for _, svc := range services {
			langs := svc.Languages
			if len(langs) == 0 {
				langs = st.Languages
			}
			v.Services = append(v.Services, bookService{Service: svc, Seconds: int(svc.Duration / time.Second), Languages: languageOptions(langs),
				Checked: svc.ID == r.URL.Query().Get("service")})
		}
		if !slices.ContainsFunc(v.Services, func(s bookService) bool { return s.Checked }) && len(v.Services) > 0 {
			v.Services[0].Checked = true
		}
		days, _ := b.Days(st.ID)
		for _, d := range days {
			t, err := time.ParseInLocation("2006-01-02", d, s.location())
			if err != nil {
				continue
			}
			v.Days = append(v.Days, bookDay{Value: d, Label: pl.l.FormatDate(t.Add(12*time.Hour), s.location())})
		}
	}
	s.render(w, r, 200, page{Title: "book.title", Body: "book", Office: st, Script: "book.js", Data: v}, "Office", st.Name)
}

func (s *Server) pageCancelBooking(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, 200, page{Title: "cancel.title", Body: "cancelbooking", Script: "cancelbooking.js", Data: r.PathValue("id")})
}

func (s *Server) pageOffer(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, 200, page{Title: "offer.title", Body: "offer", Script: "offer.js", Data: offerView{ID: r.PathValue("id"), TimeZone: s.location().String()}})
}

type offerView struct {
	ID, TimeZone string
}
