package admin

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// Colours are checked as WCAG 2.1 defines contrast: the relative luminance
// of each sRGB colour, and the ratio (L1 + 0.05) / (L2 + 0.05) of the
// lighter to the darker. Level AA asks 4.5:1 for normal text.

// MinContrast is WCAG 2.1 AA for normal text.
const MinContrast = 4.5

var hexRE = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// ParseColour reads "#rrggbb"; ok is false for anything else.
func ParseColour(s string) (rgb [3]uint8, ok bool) {
	if !hexRE.MatchString(s) {
		return rgb, false
	}
	for i := range 3 {
		v, _ := strconv.ParseUint(s[1+2*i:3+2*i], 16, 8)
		rgb[i] = uint8(v)
	}
	return rgb, true
}

// NormColour is the canonical form of a colour the admin typed: trimmed,
// lower case, with a leading '#'.
func NormColour(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if s != "" && !strings.HasPrefix(s, "#") {
		s = "#" + s
	}
	return s
}

// Luminance is the relative luminance of an sRGB colour (WCAG 2.1).
func Luminance(rgb [3]uint8) float64 {
	lin := func(c uint8) float64 {
		v := float64(c) / 255
		if v <= 0.03928 {
			return v / 12.92
		}
		return math.Pow((v+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(rgb[0]) + 0.7152*lin(rgb[1]) + 0.0722*lin(rgb[2])
}

// Contrast is the contrast ratio of two colours, from 1 to 21.
func Contrast(a, b [3]uint8) float64 {
	la, lb := Luminance(a), Luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// ratioParts writes a ratio the way WCAG tools do, cut (not rounded) to
// two decimals, so 4.499 never reads as a passing 4.50; as the whole
// number and the two decimals, which the catalogue joins with the
// language's decimal sign.
func ratioParts(r float64) (whole int, decimals string) {
	c := int(math.Floor(r * 100))
	return c / 100, fmt.Sprintf("%02d", c%100)
}
