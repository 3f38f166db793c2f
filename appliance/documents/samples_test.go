package documents_test

import (
	"archive/zip"
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"testing"
)

// Small real samples of each type, built the way the producing programs
// lay them out.

func samplePDF() []byte {
	return []byte("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n" +
		"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
}

func img() image.Image {
	m := image.NewRGBA(image.Rect(0, 0, 4, 4))
	m.Set(1, 1, color.RGBA{200, 10, 10, 255})
	return m
}

func samplePNG(t *testing.T) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, img()); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func sampleJPEG(t *testing.T) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img(), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func sampleGIF(t *testing.T) []byte {
	var b bytes.Buffer
	if err := gif.Encode(&b, img(), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// sampleWebP is a 1×1 lossless WebP.
func sampleWebP() []byte {
	return []byte{'R', 'I', 'F', 'F', 0x1a, 0, 0, 0, 'W', 'E', 'B', 'P', 'V', 'P', '8', 'L', 0x0d, 0, 0, 0,
		0x2f, 0, 0, 0, 0x10, 0x07, 0x10, 0x11, 0x11, 0x88, 0x88, 0xfe, 0x07, 0}
}

type entry struct {
	name, body string
	store      bool
}

func zipOf(t *testing.T, entries ...entry) []byte {
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		if e.store {
			h.Method = zip.Store
		}
		f, err := w.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte(e.body))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func contentTypes(part, main string) string {
	return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="` + part + `" ContentType="` + main + `"/>
</Types>`
}

const rels = `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>`

// ooxml builds a package like Word, Excel and PowerPoint write it.
func ooxml(t *testing.T, part, main string, extra ...entry) []byte {
	es := []entry{{name: "[Content_Types].xml", body: contentTypes(part, main)}, {name: "_rels/.rels", body: rels}, {name: part[1:], body: "<doc/>"}}
	return zipOf(t, append(es, extra...)...)
}

func sampleDOCX(t *testing.T) []byte {
	return ooxml(t, "/word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml")
}

func sampleXLSX(t *testing.T) []byte {
	return ooxml(t, "/xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml")
}

func samplePPTX(t *testing.T) []byte {
	return ooxml(t, "/ppt/presentation.xml", "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml")
}

// odf builds a package like LibreOffice writes it: "mimetype" first, stored.
func odf(t *testing.T, mimetype string, extra ...entry) []byte {
	es := []entry{{name: "mimetype", body: mimetype, store: true}, {name: "content.xml", body: "<office:document-content/>"}, {name: "META-INF/manifest.xml", body: "<manifest/>"}}
	return zipOf(t, append(es, extra...)...)
}

// sampleEXE is the start of a Windows executable.
func sampleEXE() []byte {
	b := make([]byte, 256)
	copy(b, "MZ\x90\x00\x03")
	copy(b[0x40:], "\x0e\x1f\xba\x0e\x00\xb4\x09\xcd\x21This program cannot be run in DOS mode.\r\r\n$")
	copy(b[0x80:], "PE\x00\x00")
	return b
}
