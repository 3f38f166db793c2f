package stats

import "slices"

// Secondary suppression. A report publishes sums: the total row is the
// sum of the office rows, the days, the languages and the services each
// add up to the total's knocks. With one small cell hidden in such a
// group, the sum minus the visible cells would give it back. So in every
// group where all hidden cells are small ones, the smallest visible cell
// with cases is hidden too (Secondary, "."): the hidden cells then
// include one of at least K, and a small cell cannot be computed from
// one report. Non-additive cells of the total row (percentiles and the
// interpreter share) are hidden when any office's is: with the offices'
// values they would narrow down the hidden one's cases.
//
// A reader who compares several reports (other ranges, one office
// alone) can still subtract; docs/statistics.md says so.

// protect hides one more cell of group if needed (see above).
func protect(group []*Value) {
	small, big := false, false
	var smallest *Value
	for _, v := range group {
		switch {
		case v.Suppressed:
			small = true
		case v.Secondary:
			big = true
		case v.N > 0 && (smallest == nil || v.N < smallest.N):
			smallest = v
		}
	}
	if small && !big && smallest != nil {
		smallest.Secondary = true
	}
}

// protectReport applies secondary suppression to every group of rep.
func protectReport(rep *Report) {
	offices := rep.Offices[:len(rep.Offices)-1]
	total := rep.Offices[len(rep.Offices)-1]
	for i, col := range Columns {
		if i == 0 {
			continue
		}
		if isCount(col) {
			var g []*Value
			for _, row := range offices {
				g = append(g, &row[i])
			}
			protect(g)
			continue
		}
		for _, row := range offices {
			if row[i].Suppressed && !total[i].Suppressed {
				total[i].Secondary = true
			}
		}
	}
	for c := range ServiceColumns {
		var g []*Value
		for i := range rep.Services {
			g = append(g, &rep.Services[i].Values[c])
		}
		protect(g)
	}
	var days, langs []*Value
	for i := range rep.Days {
		days = append(days, &rep.Days[i].Knocks)
	}
	for i := range rep.Languages {
		langs = append(langs, &rep.Languages[i].Knocks)
	}
	protect(days)
	protect(langs)
}

func isCount(c Column) bool {
	return slices.Contains([]Column{ColKnocks, ColAdmitted, ColDeclined, ColAbandoned, ColForwarded, ColConsultations, ColBooked, ColKept, ColNoShows}, c)
}
