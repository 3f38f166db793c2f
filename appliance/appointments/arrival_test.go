package appointments_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/buergerbuero/buergerbuero/appliance/appointments"
)

func joinToken(t *testing.T, b appointments.Booking) string {
	t.Helper()
	_, tok, ok := strings.Cut(b.JoinURL, "#")
	if !ok || tok == "" || !strings.Contains(b.JoinURL, "/a/"+b.ID+"#") {
		t.Fatalf("join link %q has no token after '#'", b.JoinURL)
	}
	return tok
}

// The join link admits from 10 minutes before the slot until 15 minutes
// after its start; outside, the error carries the slot's start. Opening
// it twice names the same ticket and token.
func TestJoinLinkWindowAndSameTicketTwice(t *testing.T) {
	f := newFixture(t, "", at("2026-06-01 07:00"))
	ctx := context.Background()
	b := f.bookSlot("ausweis", at("2026-06-03 10:00"), "a@example.org")
	tok := joinToken(t, b)
	if _, err := f.book.Arrive(ctx, b.ID, "wrong"); !errors.Is(err, appointments.ErrBadToken) {
		t.Fatalf("wrong token: %v", err)
	}
	f.clock.add(at("2026-06-03 09:49").Sub(f.clock.now()))
	_, err := f.book.Arrive(ctx, b.ID, tok)
	we, ok := appointments.IsWindowError(err)
	if !ok || we.Err != appointments.ErrJoinTooEarly || !we.Start.Equal(at("2026-06-03 10:00")) {
		t.Fatalf("11 minutes early: %v", err)
	}
	f.clock.add(time.Minute)
	a, err := f.book.Arrive(ctx, b.ID, tok)
	if err != nil {
		t.Fatalf("10 minutes early: %v", err)
	}
	if a.Office != "bauamt" || a.Service != "Personalausweis" || a.Concern != "Bauantrag" || a.TicketID == "" || a.TicketToken == "" {
		t.Fatalf("arrival: %+v", a)
	}
	if n := f.count(`SELECT COUNT(*) FROM appointments WHERE id = ? AND state = 'arrived' AND ticket_id = ?`, b.ID, a.TicketID); n != 1 {
		t.Fatal("the booking is not marked arrived with its ticket")
	}
	f.clock.add(time.Hour) // reopened later: still the same ticket
	again, err := f.book.Arrive(ctx, b.ID, tok)
	if err != nil || again.TicketID != a.TicketID || again.TicketToken != a.TicketToken {
		t.Fatalf("second opening: %+v %v, want ticket %s", again, err, a.TicketID)
	}
}

// A booking whose window passed without arrival is marked no_show by the
// sweep and counted per office; arrived, cancelled and later bookings
// stay as they are, and the link then says it is too late.
func TestNoShowsAreMarkedAfterTheWindowAndCounted(t *testing.T) {
	f := newFixture(t, "", at("2026-06-01 07:00"))
	reg := prometheus.NewRegistry()
	f.book.SetMetrics(appointments.NewMetrics(reg))
	ctx := context.Background()
	came := f.bookSlot("ausweis", at("2026-06-03 10:00"), "a@example.org")
	missed := f.bookSlot("ausweis", at("2026-06-03 10:15"), "b@example.org")
	later := f.bookSlot("ausweis", at("2026-06-03 11:00"), "c@example.org")
	cancelled := f.bookSlot("ausweis", at("2026-06-03 09:00"), "d@example.org")
	if err := f.book.Cancel(ctx, cancelled.ID, cancelled.CancelToken); err != nil {
		t.Fatal(err)
	}
	f.clock.add(at("2026-06-03 10:05").Sub(f.clock.now()))
	if _, err := f.book.Arrive(ctx, came.ID, joinToken(t, came)); err != nil {
		t.Fatal(err)
	}
	f.clock.add(at("2026-06-03 10:30").Sub(f.clock.now()))
	if n, err := f.book.MarkNoShows(ctx); err != nil || n != 0 {
		t.Fatalf("at the window's last minute: %d %v, want none", n, err)
	}
	f.clock.add(time.Minute)
	if n, err := f.book.MarkNoShows(ctx); err != nil || n != 1 {
		t.Fatalf("after the window: %d %v, want 1", n, err)
	}
	for id, want := range map[string]string{came.ID: "arrived", missed.ID: "no_show", later.ID: "booked", cancelled.ID: "cancelled"} {
		if f.count(`SELECT COUNT(*) FROM appointments WHERE id = ? AND state = ?`, id, want) != 1 {
			t.Errorf("%s is not %s", id, want)
		}
	}
	if f.count(`SELECT COUNT(*) FROM outbox WHERE sent_at = 0 AND dedupe_key LIKE ?`, "reminder:"+missed.ID+":%") != 0 {
		t.Error("a no-show keeps pending reminders")
	}
	if n, _ := f.book.MarkNoShows(ctx); n != 0 {
		t.Errorf("second sweep marked %d again", n)
	}
	_, err := f.book.Arrive(ctx, missed.ID, joinToken(t, missed))
	if we, ok := appointments.IsWindowError(err); !ok || we.Err != appointments.ErrJoinTooLate {
		t.Fatalf("link of a no-show: %v", err)
	}
	_, err = f.book.Arrive(ctx, cancelled.ID, joinToken(t, cancelled))
	if we, ok := appointments.IsWindowError(err); !ok || we.Err != appointments.ErrBookingCancelled {
		t.Fatalf("link of a cancelled booking: %v", err)
	}
	counts := map[string]float64{}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			counts[mf.GetName()+"/"+m.GetLabel()[0].GetValue()] = m.GetCounter().GetValue()
		}
	}
	if counts["buergerbuero_appointment_no_shows_total/bauamt"] != 1 || counts["buergerbuero_appointment_arrivals_total/bauamt"] != 1 {
		t.Errorf("counters %v, want one arrival and one no-show for bauamt", counts)
	}
	// the day view lists all four with their states, by start
	day, err := f.book.Day(ctx, "bauamt", "2026-06-03")
	if err != nil {
		t.Fatal(err)
	}
	var states []string
	for _, e := range day {
		states = append(states, string(e.State))
	}
	if strings.Join(states, " ") != "cancelled arrived no_show booked" {
		t.Fatalf("day view states %v", states)
	}
}
