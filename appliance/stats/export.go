package stats

import (
	"archive/zip"
	"encoding/csv"
	"encoding/xml"
	"io"
	"strings"
)

// WriteCSV writes the office table: one header line (the caller's
// translated column names, in Columns order), then one line per office
// and the total line. The office column holds the caller's names
// (names[id]; the total row's id is ""). Numbers are written as the
// page's data-value: a suppressed cell as "< 5".
func WriteCSV(w io.Writer, rep Report, header []string, names map[string]string) error {
	cw := csv.NewWriter(w)
	safe := make([]string, len(header))
	for i, h := range header {
		safe[i] = noFormula(h)
	}
	if err := cw.Write(safe); err != nil {
		return err
	}
	for _, row := range rep.Offices {
		line := make([]string, len(row))
		for i, v := range row {
			line[i] = v.Canonical()
		}
		line[0] = noFormula(names[row[0].Text])
		if err := cw.Write(line); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// noFormula keeps a spreadsheet from reading a name as a formula
// ("=HYPERLINK(…)" as an office name): such a text gets a leading
// apostrophe, which spreadsheets show as text.
func noFormula(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// WriteODS writes the office table as a minimal OpenDocument
// spreadsheet (ODF 1.2): the mimetype entry first and stored, the
// manifest and content.xml. Numbers are float cells; a suppressed cell
// is the text "< 5".
func WriteODS(w io.Writer, rep Report, sheet string, header []string, names map[string]string) error {
	z := zip.NewWriter(w)
	mt, err := z.CreateHeader(&zip.FileHeader{Name: "mimetype", Method: zip.Store})
	if err != nil {
		return err
	}
	if _, err := io.WriteString(mt, odsMime); err != nil {
		return err
	}
	mf, err := z.Create("META-INF/manifest.xml")
	if err != nil {
		return err
	}
	if _, err := io.WriteString(mf, odsManifest); err != nil {
		return err
	}
	c, err := z.Create("content.xml")
	if err != nil {
		return err
	}
	if _, err := io.WriteString(c, odsContent(rep, sheet, header, names)); err != nil {
		return err
	}
	return z.Close()
}

const odsMime = "application/vnd.oasis.opendocument.spreadsheet"

const odsManifest = `<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/" manifest:version="1.2" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>
`

func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

func textCell(b *strings.Builder, s string) {
	b.WriteString(`<table:table-cell office:value-type="string"><text:p>` + esc(s) + `</text:p></table:table-cell>`)
}

func odsContent(rep Report, sheet string, header []string, names map[string]string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet>`)
	b.WriteString(`<table:table table:name="` + esc(sheet) + `"><table:table-row>`)
	for _, h := range header {
		textCell(&b, h)
	}
	b.WriteString(`</table:table-row>`)
	for _, row := range rep.Offices {
		b.WriteString(`<table:table-row>`)
		for i, v := range row {
			if i == 0 {
				textCell(&b, names[v.Text])
				continue
			}
			if _, ok := v.Number(); ok {
				s := v.Canonical()
				b.WriteString(`<table:table-cell office:value-type="float" office:value="` + s + `"><text:p>` + s + `</text:p></table:table-cell>`)
				continue
			}
			textCell(&b, v.Canonical())
		}
		b.WriteString(`</table:table-row>`)
	}
	b.WriteString(`</table:table></office:spreadsheet></office:body></office:document-content>`)
	return b.String()
}
