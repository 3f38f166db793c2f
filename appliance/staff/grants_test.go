package staff

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestFromGrantsTakesEveryOfficeAndTheHighestRole(t *testing.T) {
	c, ok := FromGrants("ayse", " Ayşe Demir ", []Grant{{Offices: []string{"bauamt"}}, {Offices: []string{"auslaenderbehoerde", "bauamt"}, Role: "lead"}})
	if !ok || c.Role != RoleLead || !slices.Equal(c.Offices, []string{"auslaenderbehoerde", "bauamt"}) || c.DisplayName != "Ayşe Demir" {
		t.Fatalf("got %+v %v", c, ok)
	}
	if _, ok := FromGrants("ayse", "Ayşe", nil); ok {
		t.Fatal("no matched grant gave a clerk")
	}
	long := strings.Repeat("ß", 60) // 120 bytes
	c, ok = FromGrants("ayse", long, []Grant{{Offices: []string{"bauamt"}}})
	if !ok || len(c.DisplayName) > MaxDisplayName || !utf8.ValidString(c.DisplayName) {
		t.Fatalf("long name bounded to %d bytes, valid UTF-8 %v", len(c.DisplayName), utf8.ValidString(c.DisplayName))
	}
}
