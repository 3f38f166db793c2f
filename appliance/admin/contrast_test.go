package admin

import (
	"math"
	"testing"
)

func TestContrastKnownPairs(t *testing.T) {
	white, _ := ParseColour("#ffffff")
	for _, c := range []struct {
		fg   string
		want float64
		pass bool
	}{
		{"#767676", 4.54, true}, // the lightest grey that passes on white
		{"#777777", 4.47, false},
		{"#000000", 21, true},
		{"#ffffff", 1, false},
		{"#00527a", 8.44, true}, // the built-in accent
	} {
		fg, ok := ParseColour(c.fg)
		if !ok {
			t.Fatalf("ParseColour(%q) failed", c.fg)
		}
		got := Contrast(fg, white)
		if math.Abs(got-c.want) > 0.01 {
			t.Errorf("%s on white: contrast %.3f, want %.2f", c.fg, got, c.want)
		}
		if (got >= MinContrast) != c.pass {
			t.Errorf("%s on white: %.3f passes AA = %v, want %v", c.fg, got, got >= MinContrast, c.pass)
		}
		if Contrast(white, fg) != got {
			t.Errorf("%s: contrast is not symmetric", c.fg)
		}
	}
}

func TestParseColourRefusesOtherForms(t *testing.T) {
	for _, s := range []string{"", "#fff", "ffffff", "#gggggg", "red", "#1234567", "rgb(0,0,0)"} {
		if _, ok := ParseColour(s); ok {
			t.Errorf("ParseColour(%q) accepted", s)
		}
	}
	if NormColour(" 00527A ") != "#00527a" {
		t.Errorf("NormColour: %q", NormColour(" 00527A "))
	}
}

func TestRatioTextCutsInsteadOfRounding(t *testing.T) {
	if w, d := ratioParts(4.4999); w != 4 || d != "49" {
		t.Errorf("ratioParts(4.4999) = %d, %s", w, d)
	}
	if w, d := ratioParts(21); w != 21 || d != "00" {
		t.Errorf("ratioParts(21) = %d, %s", w, d)
	}
}
