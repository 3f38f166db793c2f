package text

import (
	"errors"
	"testing"

	"github.com/buergerbuero/buergerbuero/appliance/problem"
)

func TestCleanKeepsLinesAndDropsControls(t *testing.T) {
	if got := Clean("  Guten\x00 Tag\u200b\n\tzweite Zeile\x1b[31m \xff "); got != "Guten Tag\u200b\n\tzweite Zeile[31m" {
		t.Fatalf("Clean: %q", got)
	}
}

func TestCheckLenCountsCharactersNotBytes(t *testing.T) {
	if err := CheckLen("name", "Ümit Yılmaz", 1, 11); err != nil {
		t.Fatalf("11 characters (14 bytes) refused at max 11: %v", err)
	}
	var pe *problem.Error
	if err := CheckLen("name", "Ümit Yılmaz!", 1, 11); !errors.As(err, &pe) || pe.Field != "name" || pe.Reason != "too_long" {
		t.Fatalf("12 characters at max 11: %v", err)
	}
	if err := CheckLen("concern", "", 1, 10); !errors.As(err, &pe) || pe.Reason != "too_short" {
		t.Fatalf("empty at min 1: %v", err)
	}
}
