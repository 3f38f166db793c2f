package store_test

import (
	"context"
	"github.com/buergerbuero/buergerbuero/appliance/consultation"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/reception"
)

// TestPurgeDeletesPersonalData: after the retention period nothing a
// citizen typed survives (concern, name, notes, chat, files), while
// tickets still waiting are untouched.
func TestPurgeDeletesPersonalData(t *testing.T) { forEachDialect(t, testPurgeDeletesPersonalData) }

func testPurgeDeletesPersonalData(t *testing.T, open opener) {
	ctx := context.Background()
	db := open()
	old := time.Now().Add(-48 * time.Hour)
	mk := func(id, name string, at time.Time) reception.Ticket {
		tk := &reception.Ticket{ID: id, OfficeID: "bauamt", Number: "BA", Day: at.Format("2006-01-02"), TokenHash: []byte{1}, Name: name,
			Concern: "Geheimes Anliegen von " + name, Language: "de", State: reception.StateWaiting, KnockedAt: at, UpdatedAt: at}
		if _, err := db.CreateTicket(ctx, tk, 100, rules.Knock()); err != nil {
			t.Fatal(err)
		}
		return *tk
	}
	done := mk("t_done", "Erika", old)
	waiting := mk("t_wait", "Max", old)
	ch, err := apply(ctx, db, done.ID, reception.ActAdmit, "anna", func(tk *reception.Ticket) (*consultation.Room, error) {
		tk.RoomID, tk.Clerk, tk.CalledAt, tk.UpdatedAt = "r_1", "anna", old, old
		return &consultation.Room{ID: "r_1", TicketID: tk.ID, OfficeID: tk.OfficeID, Clerk: "anna", CreatedAt: old}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	room, _ := db.Room(ctx, ch.Ticket.RoomID)
	db.AddMessage(ctx, consultation.Message{RoomID: room.ID, AuthorRole: "citizen", Author: "Erika", Text: "Meine IBAN ist DE…", At: old}, nil)
	db.AddMessage(ctx, consultation.Message{RoomID: room.ID, AuthorRole: "citizen", Author: "Erika", At: old},
		&consultation.File{FileRef: consultation.FileRef{ID: "f_1", Name: "ausweis.pdf", Size: 3, Type: "application/pdf"}, RoomID: room.ID, Data: []byte("pdf")})
	db.AddNote(ctx, done.ID, reception.Note{Author: "anna", Text: "Kundin war freundlich", At: old})
	if _, err := apply(ctx, db, done.ID, reception.ActEnd, "anna", func(tk *reception.Ticket) (*consultation.Room, error) {
		tk.EndedAt, tk.UpdatedAt = old, old
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	cutoff := time.Now().Add(-24 * time.Hour)
	n, err := db.Purge(ctx, []reception.PurgeRule{{ContentBefore: cutoff, PersonalBefore: cutoff}}, cutoff)
	if err != nil || n != 1 {
		t.Fatalf("purge: %d, %v", n, err)
	}
	gone, _ := db.Ticket(ctx, done.ID)
	if gone.Name != "" || gone.Concern != "" || len(gone.Notes) != 0 || gone.State != reception.StateEnded {
		t.Fatalf("ended ticket after purge: %+v", gone)
	}
	if msgs, _ := db.Messages(ctx, room.ID, 0); len(msgs) != 0 {
		t.Fatalf("chat survived: %+v", msgs)
	}
	if _, err := db.File(ctx, room.ID, "f_1"); err == nil {
		t.Fatal("file survived")
	}
	still, _ := db.Ticket(ctx, waiting.ID)
	if still.Concern == "" || still.Name != "Max" {
		t.Fatalf("a waiting ticket was purged: %+v", still)
	}
}
