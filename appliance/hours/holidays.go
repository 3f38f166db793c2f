package hours

import (
	"slices"
	"strings"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/aa"
	"github.com/rickar/cal/v2/de"
)

// states lists the Bundesland codes Schedule.State accepts, besides "".
var states = []string{"BW", "BY", "BE", "BB", "HB", "HH", "HE", "MV", "NI", "NW", "RP", "SL", "SN", "ST", "SH", "TH"}

// Statewide public holidays that rickar/cal's de lists lack. Holidays that
// hold only in some municipalities (Mariä Himmelfahrt in Catholic Bavaria,
// Fronleichnam in parts of Saxony and Thuringia, the Augsburger Friedensfest)
// and one-off holidays are deliberately left out.
var (
	// Mecklenburg-Vorpommern made 8 March a public holiday from 2023 on.
	frauentagMV = de.Frauentag.Clone(&cal.Holiday{StartYear: 2023})
	// Brandenburg's Feiertagsgesetz names Easter and Whit Sunday; they matter
	// to offices that open on Sundays.
	ostersonntag   = aa.Easter.Clone(&cal.Holiday{Name: "Ostersonntag", Type: cal.ObservancePublic})
	pfingstsonntag = aa.Pentecost.Clone(&cal.Holiday{Name: "Pfingstsonntag", Type: cal.ObservancePublic})
	// de names 25 December "Weihnachtstag"; pair it with "Zweiter Weihnachtsfeiertag".
	ersterWeihnachtstag = de.Weihnachtstag.Clone(&cal.Holiday{Name: "Erster Weihnachtsfeiertag"})
)

// holidays maps a Bundesland code to its public holidays.
var holidays = map[string][]*cal.Holiday{
	"BW": de.HolidaysBW,
	"BY": de.HolidaysBY,
	"BE": de.HolidaysBE,
	"BB": append(slices.Clone(de.HolidaysBB), ostersonntag, pfingstsonntag),
	"HB": de.HolidaysHB,
	"HH": de.HolidaysHH,
	"HE": de.HolidaysHE,
	"MV": append(slices.Clone(de.HolidaysMV), frauentagMV),
	"NI": de.HolidaysNI,
	"NW": de.HolidaysNW,
	"RP": de.HolidaysRP,
	"SL": de.HolidaysSL,
	"SN": de.HolidaysSN,
	"ST": de.HolidaysST,
	"SH": de.HolidaysSH,
	"TH": de.HolidaysTH,
}

func validState(state string) bool { return state == "" || holidays[state] != nil }

// statesList is the allowed values for error messages.
var statesList = strings.Join(states, " ")

// Holiday reports the public holiday in s.State on the local date (in s.Loc)
// of date, with its German name. It ignores IgnoreHolidays and Exceptions:
// it says what day it is, not whether the office is open.
func (s Schedule) Holiday(date time.Time) (name string, ok bool) {
	return holidayOn(s.State, dateOf(date.In(s.loc())))
}

func holidayOn(state string, d civilDate) (string, bool) {
	for _, h := range holidays[state] {
		actual, _ := h.Calc(d.y)
		// Calc returns midnight in cal.DefaultLoc; only the date counts.
		if !actual.IsZero() && actual.Year() == d.y && actual.Month() == d.m && actual.Day() == d.d {
			if h == de.Weihnachtstag {
				return ersterWeihnachtstag.Name, true
			}
			return h.Name, true
		}
	}
	return "", false
}
