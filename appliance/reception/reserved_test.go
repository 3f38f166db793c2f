package reception

import (
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/staff"
)

// Chairs reserved for appointments do not serve the walk-in queue while
// the office is open, so the estimate counts only the other clerks.
func TestWalkInEstimateCountsChairsReservedForAppointments(t *testing.T) {
	loc, _ := time.LoadLocation("Europe/Berlin")
	o := Office{ID: "bauamt", Chairs: 3, Hours: map[string][]string{"mon": {"08:00-12:00"}, "tue": {"08:00-12:00"}},
		ReservedChairs: map[string]int{"mon": 1}}
	sched, err := o.Schedule("", loc)
	if err != nil {
		t.Fatal(err)
	}
	entry := officeEntry{Office: o, sched: sched}
	s := &Service{est: NewEstimator(12 * time.Minute), q: newQueue(), clerks: map[string]staff.Clerk{}}
	for _, login := range []string{"anna", "ben"} {
		s.clerks[login] = (staff.Clerk{Login: login, Role: staff.RoleClerk, Offices: []string{"bauamt"}, Presence: staff.PresenceAvailable})
	}
	monday := time.Date(2026, 11, 23, 10, 0, 0, 0, loc)
	cases := []struct {
		name string
		at   time.Time
		want int
	}{
		{"Monday, open: one of two clerks keeps the appointment chair", monday, 1},
		{"Monday, closed: nothing reserved", monday.Add(4 * time.Hour), 2},
		{"Tuesday: no chairs reserved", monday.AddDate(0, 0, 1), 2},
	}
	for _, c := range cases {
		if got := s.walkInStaffing(entry, c.at); got != c.want {
			t.Errorf("%s: %d clerks serve walk-ins, want %d", c.name, got, c.want)
		}
	}
	// the third in line waits twice as long with one walk-in clerk as with two
	s.now = func() time.Time { return monday }
	withReservation := s.estimate(entry, 3)
	entry.ReservedChairs = nil
	without := s.estimate(entry, 3)
	if withReservation != 2*without {
		t.Fatalf("estimate for place 3: %v with a reserved chair, %v without; want twice", withReservation, without)
	}
}
