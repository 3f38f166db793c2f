package appointments

import "time"

// Days lists the days (YYYY-MM-DD in site.time_zone) from today to the
// booking horizon on which office reserves chairs during opening hours:
// the days the booking page offers, whether booked out or not. A day
// without a free slot among them is full, and can be waited for.
func (s *Book) Days(officeID string) ([]string, error) {
	o, err := s.office(officeID)
	if err != nil {
		return nil, err
	}
	now := s.now().In(s.set.Loc)
	end := s.horizonEnd(now)
	out := []string{}
	for day := time.Date(now.Year(), now.Month(), now.Day(), 12, 0, 0, 0, s.set.Loc); day.Before(end); day = day.AddDate(0, 0, 1) {
		if o.Chairs[day.Weekday()] > 0 && len(o.Schedule.Intervals(day)) > 0 {
			out = append(out, day.Format("2006-01-02"))
		}
	}
	return out, nil
}

// Retention is how long after an appointment its contact data and
// concern are kept (appointments.retention), for the citizen's notice.
func (s *Book) Retention() time.Duration { return s.set.Retention }
