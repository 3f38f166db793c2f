package notify_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/language"

	"github.com/buergerbuero/buergerbuero/appliance/i18n"
	"github.com/buergerbuero/buergerbuero/appliance/notify"
)

var kinds = []notify.Kind{notify.KindCode, notify.KindConfirmation, notify.KindReminder, notify.KindCancellation, notify.KindWaitlistOffer}

// TestEveryNotifyKeyIsUsed: each notify.* text is looked up by this
// package (literally, or as notify.subject|body|sms.<kind>), and every
// kind has its subject, body and SMS text.
func TestEveryNotifyKeyIsUsed(t *testing.T) {
	cat, err := i18n.Load("")
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("*.go")
	var src strings.Builder
	for _, f := range files {
		if !strings.HasSuffix(f, "_test.go") {
			b, _ := os.ReadFile(f)
			src.Write(b)
		}
	}
	perKind := map[string]bool{}
	for _, k := range kinds {
		for _, area := range []string{"subject", "body", "sms"} {
			perKind["notify."+area+"."+string(k)] = true
		}
	}
	ids := map[string]bool{}
	for _, id := range cat.IDs(language.German) {
		if !strings.HasPrefix(id, "notify.") {
			continue
		}
		ids[id] = true
		if !perKind[id] && !strings.Contains(src.String(), `"`+id+`"`) {
			t.Errorf("catalogue key %q is used by no code of package notify", id)
		}
	}
	for id := range perKind {
		if !ids[id] {
			t.Errorf("catalogue lacks %q", id)
		}
	}
}
