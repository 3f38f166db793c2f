package web

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/reception"
)

// The hand-written waiting-room message is what encoding/json makes of
// the same view, for every kind of text a citizen or an office may bring:
// markup, quotes, control characters, broken UTF-8, Arabic, line and
// paragraph separators.
func TestTicketMessageIsTheJSONOfTheView(t *testing.T) {
	pieces := []string{"", "a", "Bürgerbüro", "<script>", "&", `"`, `\`, "\n", "\r\t\b\f", "\x00", "\x1f", "\x7f",
		"\xff", "\xe2\x80", "\u2028", "\u2029", "مرحبا", "😀", "</p>", "Müller & Söhne", "\u00a0", "\ufffd"}
	rnd := rand.New(rand.NewPCG(1, 2))
	text := func() string {
		s := ""
		for range rnd.IntN(6) {
			s += pieces[rnd.IntN(len(pieces))]
		}
		return s
	}
	loc := time.FixedZone("x", 3600)
	for i := range 3000 {
		v := reception.View{ID: text(), Number: text(), OfficeID: text(), OfficeName: text(), State: reception.State(text()),
			Place: rnd.IntN(3) * rnd.IntN(20000), EstimateSeconds: rnd.IntN(100000) - 10, RoomID: text(), Message: text(),
			ForwardedFrom: text(), Name: text(), Concern: text(), Language: text(),
			KnockedAt: time.Unix(rnd.Int64N(4e9), rnd.Int64N(1e9)*int64(rnd.IntN(2))).In(loc)}
		if i%2 == 0 {
			v.KnockedAt = v.KnockedAt.UTC()
		}
		want, err := json.Marshal(struct {
			Type   string          `json:"type"`
			Ticket *reception.View `json:"ticket"`
		}{"ticket", &v})
		if err != nil {
			t.Fatal(err)
		}
		if got := appendTicketMessage(nil, &v); string(got) != string(want) {
			t.Fatalf("view %#v:\n got %s\nwant %s", v, got, want)
		}
	}
}
