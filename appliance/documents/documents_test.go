package documents_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/documents"
	"github.com/buergerbuero/buergerbuero/appliance/documents/clamdtest"
	"github.com/buergerbuero/buergerbuero/appliance/problem"
)

func TestMain(m *testing.M) { clamdtest.Main(m) }

func checker(t *testing.T, clamd string, log *slog.Logger) *documents.Checker {
	t.Helper()
	c, err := documents.New(documents.Config{MaxSize: 1 << 20, Clamd: clamd, ScanTimeout: 5 * time.Second}, log)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestDocumentTypesAcceptedByContent(t *testing.T) {
	c := checker(t, "", nil)
	for _, tc := range []struct {
		file string
		data []byte
		want documents.Type
		name string // name kept
	}{
		{"Antrag.pdf", samplePDF(), documents.TypePDF, "Antrag.pdf"},
		{"foto.png", samplePNG(t), documents.TypePNG, "foto.png"},
		{"foto.JPG", sampleJPEG(t), documents.TypeJPEG, "foto.JPG"},
		{"bild.gif", sampleGIF(t), documents.TypeGIF, "bild.gif"},
		{"bild.webp", sampleWebP(), documents.TypeWebP, "bild.webp"},
		{"Brief.docx", sampleDOCX(t), documents.TypeDOCX, "Brief.docx"},
		{"Tabelle.xlsx", sampleXLSX(t), documents.TypeXLSX, "Tabelle.xlsx"},
		{"Folien.pptx", samplePPTX(t), documents.TypePPTX, "Folien.pptx"},
		{"Brief.odt", odf(t, "application/vnd.oasis.opendocument.text"), documents.TypeODT, "Brief.odt"},
		{"Tabelle.ods", odf(t, "application/vnd.oasis.opendocument.spreadsheet"), documents.TypeODS, "Tabelle.ods"},
		{"Folien.odp", odf(t, "application/vnd.oasis.opendocument.presentation"), documents.TypeODP, "Folien.odp"},
		{"notiz.txt", []byte("Sehr geehrte Damen und Herren,\r\nanbei die Unterlagen – Grüße\n"), documents.TypeText, "notiz.txt"},
		// the name plays no part in the type; a misleading extension gets the right one added
		{"scan.exe", samplePDF(), documents.TypePDF, "scan.exe.pdf"},
		{"brief", sampleDOCX(t), documents.TypeDOCX, "brief.docx"},
		{`C:\Users\x\..\secret\Ausweis.png`, samplePNG(t), documents.TypePNG, "Ausweis.png"},
	} {
		d, err := c.Check(context.Background(), tc.file, tc.data)
		if err != nil {
			t.Errorf("%s: refused: %v", tc.file, err)
			continue
		}
		if d.Type != tc.want || d.Name != tc.name || !bytes.Equal(d.Data, tc.data) {
			t.Errorf("%s: got %v %q, want %v %q", tc.file, d.Type, d.Name, tc.want, tc.name)
		}
	}
}

func TestDocumentTypesRefused(t *testing.T) {
	c := checker(t, "", nil)
	docm := "application/vnd.ms-word.document.macroEnabled.main+xml"
	ole := append([]byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"), make([]byte, 504)...)
	for _, tc := range []struct {
		file string
		data []byte
	}{
		{"setup.exe", sampleEXE()},
		{"rechnung.pdf", sampleEXE()}, // an executable renamed
		{"foto.png", sampleEXE()},
		{"archiv.zip", zipOf(t, entry{name: "a.txt", body: "hallo"}, entry{name: "run.exe", body: string(sampleEXE())})},
		{"brief.docx", zipOf(t, entry{name: "a.txt", body: "hallo"})}, // a plain ZIP renamed
		{"seite.html", []byte("<!DOCTYPE html><html><body><script>alert(1)</script></body></html>")},
		{"seite.txt", []byte("\n  <html><script>alert(1)</script>")},
		{"bild.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)},
		{"bild.png", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>`)},
		{"makro.docm", ooxml(t, "/word/document.xml", docm)},
		{"makro.docx", ooxml(t, "/word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml", entry{name: "word/vbaProject.bin", body: "x"})},
		{"makro.odt", odf(t, "application/vnd.oasis.opendocument.text", entry{name: "Basic/Standard/Module1.xml", body: "x"})},
		{"buch.epub", odf(t, "application/epub+zip")},
		{"brief.odt", zipOf(t, entry{name: "mimetype", body: "application/vnd.oasis.opendocument.text"})}, // mimetype compressed: not ODF
		{"alt.doc", ole},
		{"daten.bin", []byte{0, 1, 2, 3, 0xff, 0xfe}},
		{"latin1.txt", []byte("Gr\xfc\xdfe")},
		{"skript.sh", []byte("#!/bin/sh\x00rm -rf /")},
	} {
		_, err := c.Check(context.Background(), tc.file, tc.data)
		p, ok := problem.As(err)
		if !ok || p.Code != "document_type" || p.Kind != problem.KindUnsupportedMedia {
			t.Errorf("%s: want document_type, got %v", tc.file, err)
			continue
		}
		if allowed, _ := p.Args["Allowed"].([]string); len(allowed) != len(documents.AllTypes()) || allowed[0] != "PDF" {
			t.Errorf("%s: message should list the allowed types, got %v", tc.file, p.Args)
		}
	}
}

func TestDocumentConfiguredTypesOnly(t *testing.T) {
	c, err := documents.New(documents.Config{MaxSize: 1 << 20, Types: []documents.Type{documents.TypePDF}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Check(context.Background(), "a.png", samplePNG(t)); !isCode(err, "document_type") {
		t.Fatalf("png with only pdf allowed: %v", err)
	}
	if _, err := c.Check(context.Background(), "a.pdf", samplePDF()); err != nil {
		t.Fatal(err)
	}
}

func TestDocumentSizeLimit(t *testing.T) {
	c, _ := documents.New(documents.Config{MaxSize: 2 << 20}, nil)
	big := append(samplePDF(), make([]byte, 2<<20)...)
	_, err := c.Check(context.Background(), "big.pdf", big)
	if p, ok := problem.As(err); !ok || p.Code != "document_too_large" || p.Args["MiB"] != int64(2) {
		t.Fatalf("over the limit: %v", err)
	}
	if _, err := c.Check(context.Background(), "leer.pdf", nil); !errors.Is(err, problem.ErrInvalid) {
		t.Fatalf("empty: %v", err)
	}
}

func TestDocumentUploadInfectedRefused(t *testing.T) {
	var logs bytes.Buffer
	c := checker(t, clamdtest.Addr(t), slog.New(slog.NewTextHandler(&logs, nil)))
	t.Logf("clamd started in %v", clamdtest.StartTime())
	_, err := c.Check(context.Background(), "Meyer-Steuer.txt", clamdtest.EICAR())
	if !errors.Is(err, documents.ErrInfected) && !isCode(err, "document_infected") {
		t.Fatalf("EICAR: want document_infected, got %v", err)
	}
	if !strings.Contains(logs.String(), clamdtest.Signature) || strings.Contains(logs.String(), "Meyer") {
		t.Fatalf("log should name the signature and not the file: %s", logs.String())
	}
	// clean files pass the same scanner
	for name, data := range map[string][]byte{"a.pdf": samplePDF(), "b.docx": sampleDOCX(t), "c.txt": []byte("X5O!P%@AP harmlos")} {
		if _, err := c.Check(context.Background(), name, data); err != nil {
			t.Fatalf("%s: clean file refused: %v", name, err)
		}
	}
}

func TestDocumentUploadClamdDownRefused(t *testing.T) {
	var logs bytes.Buffer
	c := checker(t, clamdtest.Down(t), slog.New(slog.NewTextHandler(&logs, nil)))
	_, err := c.Check(context.Background(), "Antrag.pdf", samplePDF())
	if !isCode(err, "document_scan_unavailable") {
		t.Fatalf("scanner down: want document_scan_unavailable, got %v", err)
	}
	if strings.Contains(logs.String(), "Antrag") {
		t.Fatalf("file name in the log: %s", logs.String())
	}
}

// A clamd that accepts and never answers must not hold the upload longer
// than the scan timeout.
func TestClamdTimeout(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "c.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			defer conn.Close()
		}
	}()
	c, _ := documents.New(documents.Config{MaxSize: 1 << 20, Clamd: "unix:" + sock, ScanTimeout: 300 * time.Millisecond}, nil)
	t0 := time.Now()
	if _, err := c.Check(context.Background(), "a.pdf", samplePDF()); !isCode(err, "document_scan_unavailable") {
		t.Fatalf("want document_scan_unavailable, got %v", err)
	}
	if d := time.Since(t0); d > 3*time.Second {
		t.Fatalf("scan took %v despite a 300ms timeout", d)
	}
}

func TestClamdAddress(t *testing.T) {
	for _, a := range []string{"unix:/run/clamav/clamd.ctl", "/run/clamav/clamd.ctl", "tcp:127.0.0.1:3310"} {
		if _, err := documents.NewClamd(a, time.Second); err != nil {
			t.Errorf("%s: %v", a, err)
		}
	}
	for _, a := range []string{"clamd", "tcp:localhost", "unix:"} {
		if _, err := documents.NewClamd(a, time.Second); err == nil {
			t.Errorf("%s accepted", a)
		}
	}
}

func TestDocumentDownloadHeaders(t *testing.T) {
	w := httptest.NewRecorder()
	documents.ServeDownload(w, "Bescheid für Ö.pdf\r\nX-Evil: 1", documents.TypePDF, samplePDF())
	h := w.Result().Header
	if h.Get("Content-Type") != "application/pdf" || h.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("headers: %v", h)
	}
	cd := h.Get("Content-Disposition")
	if !strings.HasPrefix(cd, "attachment;") || strings.ContainsAny(cd, "\r\n") || !strings.Contains(cd, "filename*=utf-8''Bescheid%20f%C3%BCr%20%C3%96.pdfX-Evil") {
		t.Fatalf("Content-Disposition: %q", cd)
	}
	if h.Get("X-Evil") != "" || !bytes.Equal(w.Body.Bytes(), samplePDF()) {
		t.Fatal("body or injected header")
	}
}

func isCode(err error, code string) bool {
	p, ok := problem.As(err)
	return ok && p.Code == code
}

func TestClamdPing(t *testing.T) {
	up, _ := documents.New(documents.Config{MaxSize: 1 << 20, Clamd: clamdtest.Addr(t), ScanTimeout: time.Second}, nil)
	down, _ := documents.New(documents.Config{MaxSize: 1 << 20, Clamd: clamdtest.Down(t), ScanTimeout: time.Second}, nil)
	none, _ := documents.New(documents.Config{MaxSize: 1 << 20}, nil)
	if up.Ping(context.Background()) != nil || !errors.Is(down.Ping(context.Background()), documents.ErrScanner) || none.Ping(context.Background()) != nil || none.Scanning() {
		t.Fatal("ping")
	}
}
