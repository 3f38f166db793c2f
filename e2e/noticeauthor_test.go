package e2e

import (
	"testing"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
)

// TestSystemNoticeAuthorInReadersLanguage: the room's notices (who was
// invited, who joined) name their author in the reader's language, like
// their text: an Arabic page does not show the German "System:".
func TestSystemNoticeAuthorInReadersLanguage(t *testing.T) {
	srv := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true})
	anna := staffAs(t, srv, "anna")
	_, _, room := admitted(t, srv, anna, "buergerbuero", map[string]string{"concern": "Betreuung", "language": "de"})
	inviteAs(t, anna, room, "guardian", "de", "Petra Vogt")
	for lang, want := range map[string]string{"ar": "النظام", "tr": "Sistem", "de": "System"} {
		var out struct {
			Messages []struct {
				AuthorRole string `json:"author_role"`
				Author     string `json:"author"`
			} `json:"messages"`
		}
		if st := anna.do("GET", "/api/v1/rooms/"+room+"/messages?lang="+lang, nil, &out); st != 200 {
			t.Fatalf("messages: %d", st)
		}
		var seen bool
		for _, m := range out.Messages {
			if m.AuthorRole == "system" {
				seen = true
				if m.Author != want {
					t.Errorf("%s: a notice's author is %q, want %q", lang, m.Author, want)
				}
			}
		}
		if !seen {
			t.Fatalf("%s: no notice among %+v", lang, out.Messages)
		}
	}
}
