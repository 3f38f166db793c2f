package e2e

import (
	"context"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
	"github.com/buergerbuero/buergerbuero/appliance/config"
)

// TestColleagueCannotReadConsultation: Ben works in the same office as
// Anna but takes no part in her consultation. He sees the queue move, but
// not the chat, the files, the media, the chat on his event stream, and he
// can neither post, invite, take notes, end, return nor forward. The lead
// Carla cannot read silently either; when she joins, the participants see
// it in the chat, and the audit log records it.
func TestColleagueCannotReadConsultation(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true})
	anna, ben, carla := staffAs(t, srv, "anna"), staffAs(t, srv, "ben"), staffAs(t, srv, "carla")
	citizen, ticketID, room := admitted(t, srv, anna, "buergerbuero", map[string]string{"concern": "Meldebescheinigung", "language": "de"})

	const secret = "GEHEIM-chat-4711"
	if st := citizen.do("POST", "/api/v1/tickets/"+ticketID+"/messages", map[string]string{"text": secret}, nil); st != 201 && st != 200 {
		t.Fatalf("citizen post: %d", st)
	}
	st, fileID := upload(t, anna, "/api/v1/rooms/"+room+"/files", []byte("GEHEIM-datei"))
	if st != 201 && st != 200 || fileID == "" {
		t.Fatalf("anna upload: %d", st)
	}
	if st, msgs := messagesOf(t, anna, room); st != 200 || len(msgs) != 2 || msgs[0].Text != secret {
		t.Fatalf("anna reads her consultation: %d %+v", st, msgs)
	}

	for _, who := range []struct {
		name string
		c    *apiClient
	}{{"ben", ben}, {"carla before joining", carla}} {
		c := who.c
		refused := map[string]int{}
		refused["read chat"], _ = messagesOf(t, c, room)
		refused["read chat (staff path)"] = c.do("GET", "/api/v1/staff/rooms/"+room+"/messages", nil, nil)
		refused["room"] = c.do("GET", "/api/v1/rooms/"+room, nil, nil)
		refused["download file"] = c.do("GET", "/api/v1/rooms/"+room+"/files/"+fileID, nil, nil)
		refused["media admission"] = c.do("GET", "/api/v1/rooms/"+room+"/media", nil, nil)
		refused["post"] = c.do("POST", "/api/v1/rooms/"+room+"/messages", map[string]string{"text": "hallo"}, nil)
		refused["post (staff path)"] = c.do("POST", "/api/v1/staff/rooms/"+room+"/messages", map[string]string{"text": "hallo"}, nil)
		refused["upload"], _ = upload(t, c, "/api/v1/staff/rooms/"+room+"/files", []byte("x"))
		refused["invite"] = c.do("POST", "/api/v1/staff/rooms/"+room+"/invites", map[string]string{"role": "interpreter"}, nil)
		refused["add colleague"] = c.do("POST", "/api/v1/staff/rooms/"+room+"/members", map[string]string{"login": "ben"}, nil)
		refused["note"] = c.do("POST", "/api/v1/staff/tickets/"+ticketID+"/notes", map[string]string{"text": "notiz"}, nil)
		refused["end"] = c.do("POST", "/api/v1/staff/tickets/"+ticketID+"/end", map[string]any{}, nil)
		refused["return"] = c.do("POST", "/api/v1/staff/tickets/"+ticketID+"/return", map[string]any{}, nil)
		refused["forward"] = c.do("POST", "/api/v1/staff/tickets/"+ticketID+"/forward", map[string]string{"office_id": "bauamt", "note": "x"}, nil)
		refused["decline"] = c.do("POST", "/api/v1/staff/tickets/"+ticketID+"/decline", map[string]string{"message": "x"}, nil)
		for what, st := range refused {
			if st != 403 {
				t.Errorf("%s: %s: status %d, want 403", who.name, what, st)
			}
		}
	}
	// the office queue shows Ben that Anna holds a consultation, not what about
	for _, who := range []struct {
		name string
		c    *apiClient
		sees bool
	}{{"anna", anna, true}, {"ben", ben, false}} {
		var offices json.RawMessage
		if st := who.c.do("GET", "/api/v1/staff/offices", nil, &offices); st != 200 {
			t.Fatalf("%s: staff offices: %d", who.name, st)
		}
		if got := strings.Contains(string(offices), "Meldebescheinigung"); got != who.sees {
			t.Errorf("%s's queue shows the concern of Anna's consultation: %v, want %v", who.name, got, who.sees)
		}
	}
	if st := ben.do("POST", "/api/v1/staff/rooms/"+room+"/join", map[string]any{}, nil); st != 403 {
		t.Errorf("a clerk joined on his own: %d", st)
	}

	// the event stream: Ben sees the knocks of his office, not the chat
	sentinel := newClient(t, srv).knock("buergerbuero", "Wohnsitz ummelden")
	for _, reader := range []string{"ben", ""} {
		for _, ev := range staffStream(t, srv, reader, knockedEvent(sentinel.Number)) {
			if ev["type"] == "message" {
				t.Errorf("stream of %q carries a message of Anna's consultation: %v", reader, ev)
			}
		}
	}
	var annaSaw bool
	for _, ev := range staffStream(t, srv, "anna", knockedEvent(sentinel.Number)) {
		if m, _ := ev["message"].(map[string]any); ev["type"] == "message" && m["text"] == secret {
			annaSaw = true
		}
	}
	if !annaSaw {
		t.Error("Anna's stream lacks the citizen's message")
	}
	if hits := grepDB(t, openDB(t, srv), []string{secret}, "messages"); len(hits) > 0 {
		t.Errorf("chat text outside the messages table: %v", hits)
	}

	// the lead joins explicitly: visible to the participants and audited
	if st := carla.do("POST", "/api/v1/staff/rooms/"+room+"/join", map[string]any{}, nil); st != 200 {
		t.Fatalf("carla joins: %d", st)
	}
	if st, msgs := messagesOf(t, carla, room); st != 200 || len(msgs) < 2 {
		t.Fatalf("carla after joining: %d %+v", st, msgs)
	}
	var citizenMsgs struct {
		Messages []roomMessage `json:"messages"`
	}
	citizen.do("GET", "/api/v1/tickets/"+ticketID+"/messages", nil, &citizenMsgs)
	if !slices.ContainsFunc(citizenMsgs.Messages, func(m roomMessage) bool {
		return m.AuthorRole == "system" && strings.Contains(m.Text, "Amtsleitung Carla Weber ist dem Gespräch beigetreten")
	}) {
		t.Errorf("the citizen does not see that the lead joined: %+v", citizenMsgs.Messages)
	}
	var n int
	if err := openDB(t, srv).QueryRowContext(context.Background(), `SELECT COUNT(*) FROM audit WHERE actor = 'carla' AND action = 'room_joined' AND ticket_id = ?`, ticketID).Scan(&n); err != nil || n != 1 {
		t.Errorf("audit entries for carla's join: %d, %v", n, err)
	}

	// Anna adds Ben; now he takes part
	if st := anna.do("POST", "/api/v1/staff/rooms/"+room+"/members", map[string]string{"login": "ben"}, nil); st != 200 {
		t.Fatalf("anna adds ben: %d", st)
	}
	if st, _ := messagesOf(t, ben, room); st != 200 {
		t.Fatalf("ben after being added: %d", st)
	}
}

// TestInviteVoidAtConsultationEnd: an interpreter link redeemed after the
// end is refused; an interpreter who joined before loses chat and files at
// the end; the citizen's token no longer opens the room. The invite names
// whom it is for, and the participants see it.
func TestInviteVoidAtConsultationEnd(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true})
	anna := staffAs(t, srv, "anna")
	citizen, ticketID, room := admitted(t, srv, anna, "buergerbuero", map[string]string{"concern": "Einbürgerung", "language": "tr"})
	invite := func(name string) string {
		var inv struct {
			URL string `json:"url"`
		}
		if st := anna.do("POST", "/api/v1/staff/rooms/"+room+"/invites", map[string]string{"role": "interpreter", "language": "tr", "name": name}, &inv); st != 201 {
			t.Fatalf("invite: %d", st)
		}
		return inv.URL[strings.LastIndex(inv.URL, "#")+1:]
	}
	early, late := invite("Ayşe Demir"), invite("Mehmet Kaya")
	interpreter := newClient(t, srv)
	var sess struct {
		Token string `json:"token"`
	}
	interpreter.token = early // the invite goes as bearer token, never in the URL
	if st := interpreter.do("POST", "/api/v1/invites/redeem", nil, &sess); st != 200 {
		t.Fatalf("redeem before the end: %d", st)
	}
	interpreter.token = sess.Token
	_, fileID := upload(t, anna, "/api/v1/rooms/"+room+"/files", []byte("Übersetzung"))
	st, msgs := messagesOf(t, interpreter, room)
	if st != 200 {
		t.Fatalf("interpreter reads the chat: %d", st)
	}
	for _, want := range []string{"hat eingeladen: Dolmetscher·in (Türkçe) – Ayşe Demir", "Dolmetscher·in (Türkçe) – Ayşe Demir ist dem Gespräch beigetreten"} {
		if !slices.ContainsFunc(msgs, func(m roomMessage) bool { return m.AuthorRole == "system" && strings.Contains(m.Text, want) }) {
			t.Errorf("no system message %q: %+v", want, msgs)
		}
	}
	// the notices reach each reader in their language: the interpreter
	// reading in English sees English, not the clerk's German
	var en struct {
		Messages []roomMessage `json:"messages"`
	}
	if st := interpreter.do("GET", "/api/v1/rooms/"+room+"/messages?lang=en", nil, &en); st != 200 {
		t.Fatalf("interpreter reads the chat in English: %d", st)
	}
	for _, want := range []string{"invited: Interpreter (Türkçe) – Ayşe Demir.", "Interpreter (Türkçe) – Ayşe Demir", "joined the conversation."} {
		if !slices.ContainsFunc(en.Messages, func(m roomMessage) bool { return m.AuthorRole == "system" && strings.Contains(m.Text, want) }) {
			t.Errorf("no English system message %q: %+v", want, en.Messages)
		}
	}
	if st := interpreter.do("GET", "/api/v1/rooms/"+room+"/files/"+fileID, nil, nil); st != 200 {
		t.Fatalf("interpreter downloads during the consultation: %d", st)
	}

	if st := anna.do("POST", "/api/v1/staff/tickets/"+ticketID+"/end", map[string]any{}, nil); st != 200 {
		t.Fatalf("end: %d", st)
	}
	if st, _ := messagesOf(t, interpreter, room); st != 403 {
		t.Errorf("interpreter reads the chat after the end: %d", st)
	}
	if st := interpreter.do("GET", "/api/v1/rooms/"+room+"/files/"+fileID, nil, nil); st != 403 {
		t.Errorf("interpreter downloads after the end: %d", st)
	}
	if st := interpreter.do("POST", "/api/v1/rooms/"+room+"/messages", map[string]string{"text": "hallo"}, nil); st != 403 {
		t.Errorf("interpreter posts after the end: %d", st)
	}
	lateClient := newClient(t, srv)
	lateClient.token = late
	if st := lateClient.do("POST", "/api/v1/invites/redeem", nil, nil); st != 410 {
		t.Errorf("link redeemed after the end: %d, want 410", st)
	}
	if st := citizen.do("GET", "/api/v1/tickets/"+ticketID+"/messages", nil, nil); st == 200 {
		t.Errorf("citizen reads the room after the end: %d", st)
	}
}

// TestConfidentialOfficeKeepsNothing: a counselling office takes an
// anonymous knock with a category, and once the consultation ends nothing
// typed in it is left anywhere in the database.
func TestConfidentialOfficeKeepsNothing(t *testing.T) {
	categories := []string{"HIV-Beratung", "Schwangerschaftskonfliktberatung"}
	srv := apptest.Start(t, apptest.Options{Quiet: true, Configure: func(c *config.Config) {
		c.Offices[1].Confidential = true // bauamt stands in for the counselling office
		c.Offices[1].ConcernCategories = categories
	}})
	anna := staffAs(t, srv, "anna")
	res, err := srv.Client().Get(srv.URL + "/offices/bauamt")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if html := string(page); !strings.Contains(html, `<select id="concern"`) || !strings.Contains(html, ">"+categories[1]+"</option>") || strings.Contains(html, `id="name"`) {
		t.Errorf("the knock form of a counselling office offers no category list or asks for a name:\n%s", html)
	}
	var bad apiError
	if st := newClient(t, srv).do("POST", "/api/v1/offices/bauamt/knocks", map[string]string{"concern": "freier Text", "language": "de"}, &bad); st != 422 || !strings.Contains(bad.Error.Message, categories[0]) {
		t.Fatalf("free text in a category office: %d %v", st, bad)
	}
	citizen, ticketID, room := admitted(t, srv, anna, "bauamt", map[string]string{"concern": categories[1], "name": "MARKER-name", "language": "de"})
	citizen.do("POST", "/api/v1/tickets/"+ticketID+"/messages", map[string]string{"text": "MARKER-chat"}, nil)
	if st, _ := upload(t, citizen, "/api/v1/tickets/"+ticketID+"/files", []byte("MARKER-file bytes")); st != 201 && st != 200 {
		t.Fatalf("citizen upload: %d", st)
	}
	anna.do("POST", "/api/v1/staff/tickets/"+ticketID+"/notes", map[string]string{"text": "MARKER-note"}, nil)
	anna.do("POST", "/api/v1/staff/rooms/"+room+"/invites", map[string]string{"role": "interpreter", "name": "MARKER-invitee"}, nil)
	markers := []string{"MARKER-name", "MARKER-chat", "MARKER-file", "MARKER-note", "MARKER-invitee"}
	db := openDB(t, srv)
	if hits := grepDB(t, db, markers); len(hits) < 3 {
		t.Fatalf("the consultation's content was not stored in the first place: %v", hits)
	}
	if st := anna.do("POST", "/api/v1/staff/tickets/"+ticketID+"/end", map[string]any{}, nil); st != 200 {
		t.Fatalf("end: %d", st)
	}
	if hits := grepDB(t, db, markers); len(hits) > 0 {
		t.Errorf("content left after the end: %v", hits)
	}
	// the office's own configuration lists the categories; nothing else may
	if hits := grepDB(t, db, categories, "offices"); len(hits) > 0 {
		t.Errorf("the concern left after the end: %v", hits)
	}
}
