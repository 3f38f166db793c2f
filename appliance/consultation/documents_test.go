package consultation_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/consultation"
	"github.com/buergerbuero/buergerbuero/appliance/documents"
	"github.com/buergerbuero/buergerbuero/appliance/documents/clamdtest"
	"github.com/buergerbuero/buergerbuero/appliance/reception"
	"github.com/buergerbuero/buergerbuero/appliance/store/pgtest"
)

// TestMain stops clamd and, on a PostgreSQL run (storetest), PostgreSQL.
func TestMain(m *testing.M) {
	code := m.Run()
	clamdtest.Stop()
	pgtest.Stop()
	os.Exit(code)
}

// members returns the citizen and the clerk of the fixture's room, and an
// interpreter as the web layer would make one from a session.
func members(t *testing.T, f *fixture) (citizen, clerk, interpreter consultation.Member) {
	t.Helper()
	ctx := context.Background()
	_, citizen, err := f.rooms.RoomForCitizen(ctx, f.room.ID, f.ticket.Ticket.ID, f.ticket.Token)
	if err != nil {
		t.Fatal(err)
	}
	_, clerk, err = f.rooms.RoomForClerk(ctx, consultation.Actor{Clerk: anna}, f.room.ID)
	if err != nil {
		t.Fatal(err)
	}
	return citizen, clerk, consultation.NewMember(consultation.RoleInterpreter, "Dolmetscher·in (ar)", "Dolmetscher·in (ar)")
}

var pdf = []byte("%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")

func plainZip(t *testing.T) []byte {
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	f, _ := w.Create("run.exe")
	f.Write([]byte("MZ\x90\x00"))
	w.Close()
	return b.Bytes()
}

// TestDocumentUploadRefusedNeverStored: what the allow-list refuses is not
// in the room at all, and the room goes on.
func TestDocumentUploadRefusedNeverStored(t *testing.T) {
	f := newFixture(t, false)
	ctx := context.Background()
	citizen, clerk, _ := members(t, f)
	for name, data := range map[string][]byte{
		"rechnung.pdf": append([]byte("MZ\x90\x00\x03"), make([]byte, 100)...),
		"archiv.zip":   plainZip(t),
		"seite.html":   []byte("<html><script>alert(1)</script></html>"),
		"bild.svg":     []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`),
	} {
		if _, err := f.rooms.PostFile(ctx, f.room, citizen, name, data, ""); code(err) != "document_type" {
			t.Errorf("%s: want document_type, got %v", name, err)
		}
	}
	if _, err := f.rooms.PostFile(ctx, f.room, citizen, "gross.txt", bytes.Repeat([]byte("a"), 2<<10), ""); code(err) != "document_too_large" {
		t.Errorf("over max_upload: %v", err)
	}
	docs, err := f.rooms.Documents(ctx, f.room, clerk)
	msgs, _ := f.rooms.Messages(ctx, f.room.ID, 0)
	if err != nil || len(docs) != 0 || len(msgs) != 0 {
		t.Fatalf("refused files left traces: %v %+v %+v", err, docs, msgs)
	}
	if _, err := f.rooms.PostMessage(ctx, f.room, citizen, "Dann schicke ich es als PDF.", ""); err != nil {
		t.Fatalf("the room after a refused upload: %v", err)
	}
	m, err := f.rooms.PostFile(ctx, f.room, citizen, `C:\Scans\Antrag.pdf`, pdf, "")
	if err != nil || m.File.Type != "application/pdf" || m.File.Name != "Antrag.pdf" {
		t.Fatalf("a PDF: %v %+v", err, m.File)
	}
	got, err := f.rooms.File(ctx, f.room, clerk, m.File.ID)
	if err != nil || !bytes.Equal(got.Data, pdf) || consultation.FileType(got) != documents.TypePDF {
		t.Fatalf("the clerk's download: %v %q", err, got.Data)
	}
}

// TestDocumentDeleteByUploaderOrClerk: the uploader and the clerk may
// delete a document, nobody else; its bytes are gone, a download says so
// (410) and everyone sees a notice.
func TestDocumentDeleteByUploaderOrClerk(t *testing.T) {
	f := newFixture(t, true)
	ctx := context.Background()
	citizen, clerk, interpreter := members(t, f)
	mine, err := f.rooms.PostFile(ctx, f.room, citizen, "Ausweis.pdf", pdf, "")
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := f.rooms.PostFile(ctx, f.room, interpreter, "Übersetzung.txt", []byte("Übersetzung des Bescheids"), "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.rooms.DeleteFile(ctx, f.room, interpreter, mine.File.ID); !errors.Is(err, consultation.ErrNotUploader) {
		t.Fatalf("the interpreter deleting the citizen's file: %v", err)
	}
	docs, _ := f.rooms.Documents(ctx, f.room, citizen)
	if len(docs) != 2 || !docs[0].Mine || !docs[0].Deletable || docs[1].Mine || docs[1].Deletable || docs[1].By != "Dolmetscher·in (ar)" {
		t.Fatalf("the citizen's list: %+v", docs)
	}
	notice, err := f.rooms.DeleteFile(ctx, f.room, citizen, mine.File.ID)
	if err != nil || notice.Notice == nil || notice.Notice.Key != consultation.NoticeFileDeleted || notice.Notice.Args["Name"] != "Ausweis.pdf" || notice.Notice.Args["By"] != "Erika" {
		t.Fatalf("deletion by the uploader: %v %+v", err, notice)
	}
	if _, err := f.rooms.File(ctx, f.room, clerk, mine.File.ID); !errors.Is(err, consultation.ErrFileDeleted) {
		t.Fatalf("download after deletion: %v", err)
	}
	if raw, _ := f.db.File(ctx, f.room.ID, mine.File.ID); len(raw.Data) != 0 || !raw.Deleted {
		t.Fatalf("bytes still stored: %d", len(raw.Data))
	}
	if _, err := f.rooms.DeleteFile(ctx, f.room, clerk, mine.File.ID); !errors.Is(err, consultation.ErrFileDeleted) {
		t.Fatalf("deleting twice: %v", err)
	}
	if _, err := f.rooms.DeleteFile(ctx, f.room, clerk, theirs.File.ID); err != nil {
		t.Fatalf("the clerk deleting the interpreter's file: %v", err)
	}
	msgs, _ := f.rooms.Messages(ctx, f.room.ID, 0)
	if len(msgs) != 4 || !msgs[0].File.Deleted || msgs[2].Notice == nil || msgs[3].Notice.Args["By"] != "Anna" {
		t.Fatalf("the chat after deletion: %+v", msgs)
	}
}

// TestDocumentUploadRights: a role without the upload or download right is
// refused by the server.
func TestDocumentUploadRights(t *testing.T) {
	f := newFixture(t, false)
	ctx := context.Background()
	citizen, _, guest := members(t, f)
	guest.Rights.Upload, guest.Rights.Download = false, false
	if _, err := f.rooms.PostFile(ctx, f.room, guest, "a.pdf", pdf, ""); !errors.Is(err, consultation.ErrForbiddenByRole) {
		t.Fatalf("upload without the right: %v", err)
	}
	m, _ := f.rooms.PostFile(ctx, f.room, citizen, "a.pdf", pdf, "")
	if _, err := f.rooms.File(ctx, f.room, guest, m.File.ID); !errors.Is(err, consultation.ErrForbiddenByRole) {
		t.Fatalf("download without the right: %v", err)
	}
}

// TestDocumentUploadScanned: with clamd, an infected file is refused and
// not stored; with clamd down nothing is stored unscanned; the room goes on.
func TestDocumentUploadScanned(t *testing.T) {
	f := newFixture(t, false)
	ctx := context.Background()
	citizen, clerk, _ := members(t, f)
	scan, err := documents.New(documents.Config{MaxSize: 1 << 20, Clamd: clamdtest.Addr(t), ScanTimeout: 10 * time.Second}, nil)
	if err != nil {
		t.Fatal(err)
	}
	f.rooms.SetDocuments(scan)
	if _, err := f.rooms.PostFile(ctx, f.room, citizen, "rechnung.txt", clamdtest.EICAR(), ""); code(err) != "document_infected" {
		t.Fatalf("EICAR: %v", err)
	}
	if _, err := f.rooms.PostFile(ctx, f.room, citizen, "antrag.pdf", pdf, ""); err != nil {
		t.Fatalf("a clean PDF: %v", err)
	}
	down, _ := documents.New(documents.Config{MaxSize: 1 << 20, Clamd: clamdtest.Down(t), ScanTimeout: time.Second}, nil)
	f.rooms.SetDocuments(down)
	if _, err := f.rooms.PostFile(ctx, f.room, citizen, "zweites.pdf", pdf, ""); code(err) != "document_scan_unavailable" {
		t.Fatalf("scanner down: %v", err)
	}
	docs, _ := f.rooms.Documents(ctx, f.room, clerk)
	if len(docs) != 1 || docs[0].Name != "antrag.pdf" {
		t.Fatalf("stored: %+v", docs)
	}
	if _, err := f.rooms.PostMessage(ctx, f.room, citizen, "Ich versuche es später.", ""); err != nil {
		t.Fatalf("the room after a refused upload: %v", err)
	}
}

// TestDocumentRetention: with the default retention a room's documents go
// when the consultation ends, deleted or not.
func TestDocumentRetention(t *testing.T) {
	f := newFixture(t, false)
	ctx := context.Background()
	citizen, clerk, _ := members(t, f)
	kept, _ := f.rooms.PostFile(ctx, f.room, citizen, "a.pdf", pdf, "")
	gone, _ := f.rooms.PostFile(ctx, f.room, clerk, "b.txt", []byte("Merkblatt"), "")
	if _, err := f.rooms.DeleteFile(ctx, f.room, clerk, gone.File.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.rec.End(ctx, reception.Actor{Clerk: anna}, f.ticket.Ticket.ID); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{kept.File.ID, gone.File.ID} {
		if _, err := f.db.File(ctx, f.room.ID, id); !errors.Is(err, consultation.ErrFileNotFound) {
			t.Errorf("file %s after the end: %v", id, err)
		}
	}
}
