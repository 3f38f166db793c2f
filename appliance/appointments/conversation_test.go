package appointments_test

import (
	"context"
	"testing"

	"github.com/buergerbuero/buergerbuero/appliance/appointments"
	"github.com/buergerbuero/buergerbuero/appliance/problem"
)

// The conversation language is chosen among the service's languages,
// apart from the messages' language; the arrival's ticket speaks it. A
// language the service does not offer is refused, naming the field.
func TestConversationLanguage(t *testing.T) {
	f := newFixture(t, "", at("2026-06-01 07:00"))
	ctx := context.Background()
	_, err := f.book.Hold(ctx, appointments.HoldRequest{Office: "bauamt", Service: "ausweis", Start: at("2026-06-03 10:00"),
		Contact: "a@example.org", Lang: "ar", Conversation: "tr"})
	if p, ok := problem.As(err); !ok || p.Code != "language_not_offered" || p.Field != "conversation_language" {
		t.Fatalf("conversation language the service does not offer: %v", err)
	}
	h, err := f.book.Hold(ctx, appointments.HoldRequest{Office: "bauamt", Service: "ausweis", Start: at("2026-06-03 10:00"),
		Contact: "a@example.org", Lang: "ar", Conversation: "de"})
	if err != nil {
		t.Fatal(err)
	}
	m, _, _ := f.message("code:" + h.ID)
	if m.Lang != "ar" {
		t.Errorf("the code message is in %q, want the messages' language ar", m.Lang)
	}
	b, err := f.book.Confirm(ctx, h.ID, m.Code)
	if err != nil {
		t.Fatal(err)
	}
	f.clock.add(at("2026-06-03 09:55").Sub(f.clock.now()))
	a, err := f.book.Arrive(ctx, b.ID, joinToken(t, b))
	if err != nil {
		t.Fatal(err)
	}
	if a.Lang != "de" {
		t.Errorf("the arrival's ticket speaks %q, want the conversation language de", a.Lang)
	}
}
