package reception

import (
	"testing"
	"time"
)

// Booked citizens who arrived go first, among themselves by slot time
// (not by when they opened the link); walk-ins follow by knock time. The
// order is the same when the queue is rebuilt from the store.
func TestArrivalsGoFirstBySlotTime(t *testing.T) {
	t0 := time.Date(2026, 6, 3, 10, 0, 0, 0, time.UTC)
	ts := []Ticket{
		{ID: "t_walk1", OfficeID: "bauamt", State: StateWaiting, KnockedAt: t0},
		{ID: "t_walk2", OfficeID: "bauamt", State: StateReturned, KnockedAt: t0.Add(time.Minute)},
		{ID: "t_late", OfficeID: "bauamt", State: StateWaiting, KnockedAt: t0.Add(2 * time.Minute), AppointmentAt: t0.Add(30 * time.Minute)},
		{ID: "t_early", OfficeID: "bauamt", State: StateWaiting, KnockedAt: t0.Add(3 * time.Minute), AppointmentAt: t0.Add(15 * time.Minute)},
	}
	want := []string{"t_early", "t_late", "t_walk1", "t_walk2"}
	q := newQueue()
	for _, x := range ts {
		q.apply(x, "")
	}
	check := func(how string) {
		t.Helper()
		for i, x := range q.waiting("bauamt") {
			if x.ID != want[i] || q.place(x.ID) != i+1 {
				t.Fatalf("%s: place %d is %s (place() says %d), want %s", how, i+1, x.ID, q.place(x.ID), want[i])
			}
		}
	}
	check("applied one by one")
	q = newQueue()
	q.load(ts)
	check("loaded from the store")
}
