package documents

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"io"
	"strings"
)

// The office formats are ZIP archives. archive/zip reads the central
// directory of the whole file (we hold all of it, up to the size limit),
// unlike sniffers that scan the first few KiB for local headers. Documents
// with macros are refused: they can run code when opened.

// ooxmlMain maps the content type of an OOXML package's main part to the
// type; macro-enabled variants (docm, xlsm, pptm) have other content types
// and so are not found here.
var ooxmlMain = map[string]Type{
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml":   TypeDOCX,
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml":         TypeXLSX,
	"application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": TypePPTX,
}

// odfTypes are the values of an ODF package's first entry, "mimetype".
var odfTypes = map[string]Type{
	"application/vnd.oasis.opendocument.text":         TypeODT,
	"application/vnd.oasis.opendocument.spreadsheet":  TypeODS,
	"application/vnd.oasis.opendocument.presentation": TypeODP,
}

// maxPartSize bounds what is decompressed to tell the type.
const maxPartSize = 1 << 20

func sniffZip(data []byte) Type {
	z, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil || len(z.File) == 0 {
		return TypeUnknown
	}
	for _, f := range z.File {
		n := strings.ToLower(f.Name)
		if strings.HasSuffix(n, "vbaproject.bin") || strings.HasPrefix(n, "basic/") || strings.HasPrefix(n, "scripts/") {
			return TypeUnknown // macros (OOXML: vbaProject.bin; ODF: Basic/, Scripts/)
		}
	}
	if first := z.File[0]; first.Name == "mimetype" {
		// ODF: the first entry, stored uncompressed, holds the type
		if first.Method != zip.Store {
			return TypeUnknown
		}
		b, err := readPart(first)
		if err != nil {
			return TypeUnknown
		}
		return odfTypes[string(b)]
	}
	for _, f := range z.File {
		if f.Name == "[Content_Types].xml" {
			b, err := readPart(f)
			if err != nil {
				return TypeUnknown
			}
			return ooxmlType(b)
		}
	}
	return TypeUnknown
}

func readPart(f *zip.File) ([]byte, error) {
	r, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	b, err := io.ReadAll(io.LimitReader(r, maxPartSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxPartSize {
		return nil, io.ErrUnexpectedEOF
	}
	return b, nil
}

// ooxmlType finds the main part in [Content_Types].xml: exactly one of the
// known main content types, no macro content type anywhere.
func ooxmlType(b []byte) Type {
	var ct struct {
		Overrides []struct {
			ContentType string `xml:"ContentType,attr"`
		} `xml:"Override"`
		Defaults []struct {
			ContentType string `xml:"ContentType,attr"`
		} `xml:"Default"`
	}
	if err := xml.Unmarshal(b, &ct); err != nil {
		return TypeUnknown
	}
	found := TypeUnknown
	var all []string
	for _, o := range ct.Overrides {
		all = append(all, o.ContentType)
	}
	for _, d := range ct.Defaults {
		all = append(all, d.ContentType)
	}
	for _, c := range all {
		c = strings.ToLower(strings.TrimSpace(c))
		if strings.Contains(c, "macroenabled") || strings.Contains(c, "vbaproject") {
			return TypeUnknown
		}
		if t, ok := ooxmlMain[c]; ok {
			if found != TypeUnknown && found != t {
				return TypeUnknown
			}
			found = t
		}
	}
	return found
}
