package web

import (
	"slices"
	"strings"

	"github.com/buergerbuero/buergerbuero/appliance/stats"
)

// statsView is what the statistics template shows. Every number is in a
// table; the charts repeat some of them as bars with their value written
// beside each bar (not by colour alone).
type statsView struct {
	Req       statsRequest
	From, To  string // the range as the date inputs take it
	Query     string // the filter for the export links
	Header    []string
	Rows      [][]statsCell
	Days      statsChart
	Outcomes  statsChart
	Languages []statsLabelled
	// Services: per office and service, the counts of stats.ServiceColumns
	ServiceHeader []string
	Services      []statsServiceRow
}

type statsServiceRow struct {
	Office, Service string
	Cells           []statsCell
}

// statsCell is a table cell: Text shown, Value the canonical number (the
// CSV's), Suppressed for "< 5" and ".".
type statsCell struct {
	Text, Value string
	Suppressed  bool
}

// statsLabelled is a table row: a label (a language's row says its name
// in that language, marked with Lang and Dir) and its cell.
type statsLabelled struct {
	Label, Lang, Dir string
	Cell             statsCell
}

// statsChart is a bar chart's geometry in its viewBox; Rows are its data
// table.
type statsChart struct {
	Width, Height int
	Bars          []statsBar
	Labels        bool // values and names written at the bars (few bars)
	Rows          []statsLabelled
}

type statsBar struct {
	Label, Text              string
	X, Y, W, H               int
	TextX, TextY, LabX, LabY int
}

func statsText(l pageLang, v stats.Value) statsCell {
	c := statsCell{Value: v.Canonical(), Suppressed: v.Suppressed || v.Secondary}
	switch {
	case v.Suppressed:
		c.Text = l.T("stats.suppressed")
	case v.Secondary:
		c.Text = l.T("stats.secondary")
	case v.None:
		c.Text = l.T("stats.none")
	case v.Kind == stats.KindMinutes:
		c.Text = l.T("stats.minutes", "N", decimal(l, c.Value))
	case v.Kind == stats.KindPercent:
		c.Text = l.T("stats.percent", "N", decimal(l, c.Value))
	default:
		c.Text = c.Value
	}
	return c
}

// decimal writes a canonical decimal ("4.5") in the reader's convention.
func decimal(l pageLang, s string) string {
	if strings.HasPrefix(l.String(), "de") {
		return strings.ReplaceAll(s, ".", ",")
	}
	return s
}

func (s *Server) statsView(l pageLang, req statsRequest, rep stats.Report) statsView {
	v := statsView{Req: req, From: rep.From, To: rep.To, Query: req.query().Encode()}
	for _, c := range stats.Columns {
		v.Header = append(v.Header, l.T(statsColumnKeys[c]))
	}
	names := map[string]string{"": l.T("stats.total")}
	for _, o := range req.Allowed {
		names[o.ID] = o.Name
	}
	for _, row := range rep.Offices {
		cells := make([]statsCell, len(row))
		for i, val := range row {
			cells[i] = statsText(l, val)
		}
		cells[0] = statsCell{Text: names[row[0].Text], Value: names[row[0].Text]}
		v.Rows = append(v.Rows, cells)
	}
	var days []statsLabelled
	var dayValues []stats.Value
	for _, d := range rep.Days {
		days = append(days, statsLabelled{Label: d.Day, Cell: statsText(l, d.Knocks)})
		dayValues = append(dayValues, d.Knocks)
	}
	v.Days = columnChart(days, dayValues)
	total := rep.Offices[len(rep.Offices)-1]
	var outcomes []statsLabelled
	var outValues []stats.Value
	for _, c := range []stats.Column{stats.ColAdmitted, stats.ColDeclined, stats.ColAbandoned, stats.ColForwarded} {
		i := slices.Index(stats.Columns, c)
		outcomes = append(outcomes, statsLabelled{Label: l.T(statsColumnKeys[c]), Cell: statsText(l, total[i])})
		outValues = append(outValues, total[i])
	}
	v.Outcomes = barChart(outcomes, outValues)
	for _, c := range stats.ServiceColumns {
		v.ServiceHeader = append(v.ServiceHeader, l.T(statsColumnKeys[c]))
	}
	for _, sr := range rep.Services {
		row := statsServiceRow{Office: names[sr.Office], Service: sr.Service}
		if row.Service == "" {
			row.Service = l.T("stats.walk_in")
		}
		for _, val := range sr.Values {
			row.Cells = append(row.Cells, statsText(l, val))
		}
		v.Services = append(v.Services, row)
	}
	for _, lv := range rep.Languages {
		o := languageOptions([]string{lv.Lang})[0]
		v.Languages = append(v.Languages, statsLabelled{Label: o.Name, Lang: o.Code, Dir: o.Dir, Cell: statsText(l, lv.Knocks)})
	}
	return v
}

func maxOf(vals []stats.Value) float64 {
	m := 1.0
	for _, v := range vals {
		if n, ok := v.Number(); ok && n > m {
			m = n
		}
	}
	return m
}

// columnChart draws one column per row (days), at most 31 labelled.
func columnChart(rows []statsLabelled, vals []stats.Value) statsChart {
	c := statsChart{Width: 640, Height: 260, Rows: rows, Labels: len(rows) <= 31}
	if len(rows) == 0 {
		return c
	}
	slot := 620.0 / float64(len(rows))
	m := maxOf(vals)
	for i, r := range rows {
		n, _ := vals[i].Number()
		h := int(n / m * 180)
		w := min(max(int(slot*0.7), 1), 48)
		x := 10 + int(float64(i)*slot+slot/2) - w/2
		label := r.Label
		if len(label) == 10 {
			label = label[8:10] + "." + label[5:7] + "." // dd.mm.
		}
		c.Bars = append(c.Bars, statsBar{Label: label, Text: r.Cell.Text, X: x, Y: 220 - h, W: w, H: h,
			TextX: x + w/2, TextY: 214 - h, LabX: x + w/2, LabY: 244})
	}
	return c
}

// barChart draws one horizontal bar per row with its name and value.
func barChart(rows []statsLabelled, vals []stats.Value) statsChart {
	c := statsChart{Width: 640, Height: 20 + 40*len(rows), Rows: rows, Labels: true}
	m := maxOf(vals)
	for i, r := range rows {
		n, _ := vals[i].Number()
		w := int(n / m * 300)
		y := 10 + 40*i
		c.Bars = append(c.Bars, statsBar{Label: r.Label, Text: r.Cell.Text, X: 220, Y: y, W: w, H: 28,
			LabX: 0, LabY: y + 19, TextX: 228 + w, TextY: y + 19})
	}
	return c
}
