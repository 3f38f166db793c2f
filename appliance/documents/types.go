package documents

import (
	"bytes"
	"fmt"
	"unicode/utf8"
)

// Type is a document type the appliance can accept. The zero value is
// TypeUnknown: content that matched no allowed type.
type Type int

// The accepted types. Legacy Office files (doc, xls: OLE compound files)
// are not among them: they are the classic carrier of macro malware and
// telling a harmless one from a dangerous one needs a parser of the
// compound format; citizens can send PDF or the current formats instead.
const (
	TypeUnknown Type = iota
	TypePDF
	TypePNG
	TypeJPEG
	TypeGIF
	TypeWebP
	TypeDOCX
	TypeXLSX
	TypePPTX
	TypeODT
	TypeODS
	TypeODP
	TypeText
)

type typeInfo struct {
	name      string   // as written in the configuration (documents.types)
	mediaType string   // stored and sent as Content-Type
	label     string   // shown to people in "allowed are …"
	exts      []string // file name extensions that fit; the first is used when one must be added
}

var types = [...]typeInfo{
	TypeUnknown: {"unknown", "application/octet-stream", "?", nil},
	TypePDF:     {"pdf", "application/pdf", "PDF", []string{".pdf"}},
	TypePNG:     {"png", "image/png", "PNG", []string{".png"}},
	TypeJPEG:    {"jpeg", "image/jpeg", "JPEG", []string{".jpg", ".jpeg", ".jpe"}},
	TypeGIF:     {"gif", "image/gif", "GIF", []string{".gif"}},
	TypeWebP:    {"webp", "image/webp", "WebP", []string{".webp"}},
	TypeDOCX:    {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word (docx)", []string{".docx"}},
	TypeXLSX:    {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel (xlsx)", []string{".xlsx"}},
	TypePPTX:    {"pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation", "PowerPoint (pptx)", []string{".pptx"}},
	TypeODT:     {"odt", "application/vnd.oasis.opendocument.text", "OpenDocument (odt)", []string{".odt"}},
	TypeODS:     {"ods", "application/vnd.oasis.opendocument.spreadsheet", "OpenDocument (ods)", []string{".ods"}},
	TypeODP:     {"odp", "application/vnd.oasis.opendocument.presentation", "OpenDocument (odp)", []string{".odp"}},
	TypeText:    {"txt", "text/plain; charset=utf-8", "Text (txt)", []string{".txt", ".text", ".csv"}},
}

// AllTypes are all accepted types, the default of documents.types.
func AllTypes() []Type {
	out := make([]Type, 0, len(types)-1)
	for t := TypePDF; int(t) < len(types); t++ {
		out = append(out, t)
	}
	return out
}

// String is the type's name in the configuration, e.g. "pdf".
func (t Type) String() string {
	if t < 0 || int(t) >= len(types) {
		return types[TypeUnknown].name
	}
	return types[t].name
}

// MediaType is what the download's Content-Type says.
func (t Type) MediaType() string { return types[t.valid()].mediaType }

// Label names the type for people ("PDF", "Word (docx)").
func (t Type) Label() string { return types[t.valid()].label }

func (t Type) valid() Type {
	if t < 0 || int(t) >= len(types) {
		return TypeUnknown
	}
	return t
}

// MarshalText writes the configuration name.
func (t Type) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText reads a configuration name ("pdf", "docx", …).
func (t *Type) UnmarshalText(b []byte) error {
	p, err := ParseType(string(b))
	*t = p
	return err
}

// ParseType reads a configuration name.
func ParseType(s string) (Type, error) {
	for i, ti := range types {
		if i > 0 && ti.name == s {
			return Type(i), nil
		}
	}
	return TypeUnknown, fmt.Errorf("unknown document type %q", s)
}

// Sniff tells the type of data by its content alone; the name a client
// sent plays no part. Anything that is not exactly one of the accepted
// types is TypeUnknown: executables, archives, HTML, SVG, XML, scripts.
func Sniff(data []byte) Type {
	switch {
	case bytes.HasPrefix(data, []byte("%PDF-")):
		return TypePDF
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return TypePNG
	case bytes.HasPrefix(data, []byte("\xff\xd8\xff")):
		return TypeJPEG
	case bytes.HasPrefix(data, []byte("GIF87a")), bytes.HasPrefix(data, []byte("GIF89a")):
		return TypeGIF
	case len(data) >= 12 && bytes.HasPrefix(data, []byte("RIFF")) && string(data[8:12]) == "WEBP":
		return TypeWebP
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return sniffZip(data)
	case isPlainText(data):
		return TypeText
	}
	return TypeUnknown
}

// isPlainText: UTF-8 without control characters (other than tab, line
// breaks and form feed) that does not open like markup. Text starting
// with "<" is refused as a whole, because HTML, SVG and XML all do and a
// browser that ignored our headers could run their scripts.
func isPlainText(data []byte) bool {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		return false
	}
	for _, c := range data {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' || c == 0x7f {
			return false
		}
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n\f")
	return len(trimmed) > 0 && trimmed[0] != '<'
}
