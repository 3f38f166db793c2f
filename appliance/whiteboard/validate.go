package whiteboard

import (
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/buergerbuero/buergerbuero/appliance/problem"
)

// grid is the precision coordinates are kept at: a ten-thousandth of the
// canvas is finer than a pixel of a 4K screen.
const grid = 1e4

// check validates an operation as its author sent it and normalises it
// (rounded coordinates, cleaned text, the item's ID set to the op's).
func check(op *Op) error {
	if err := checkID("id", op.ID); err != nil {
		return err
	}
	switch op.Type {
	case OpAdd:
		if op.Item == nil {
			return problem.Invalid("item", "whiteboard_item_required", nil)
		}
		op.Target = ""
		return checkItem(op.ID, op.Item)
	case OpUndo:
		op.Item = nil
		return checkID("target", op.Target)
	case OpClear:
		op.Item, op.Target = nil, ""
		return nil
	}
	return problem.Invalid("op", "whiteboard_op", map[string]any{"Allowed": []string{string(OpAdd), string(OpUndo), string(OpClear)}})
}

func checkID(field, id string) error {
	ok := id != "" && len(id) <= MaxID
	for i := 0; ok && i < len(id); i++ {
		c := id[i]
		ok = c == '-' || c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
	}
	if !ok {
		return problem.Invalid(field, "whiteboard_id", map[string]any{"Max": MaxID})
	}
	return nil
}

func checkItem(id string, it *Item) error {
	it.ID, it.Seq, it.Mine, it.Author = id, 0, false, ""
	if !slices.Contains(Kinds, string(it.Kind)) {
		return problem.Invalid("kind", "whiteboard_kind", map[string]any{"Allowed": Kinds})
	}
	if !slices.Contains(Palette, it.Color) {
		return problem.Invalid("color", "whiteboard_color", map[string]any{"Allowed": Palette})
	}
	if it.Size < 1 || it.Size > MaxSize {
		return problem.Invalid("size", "whiteboard_size", map[string]any{"Max": MaxSize})
	}
	want := 2
	switch it.Kind {
	case KindStroke:
		if len(it.Points) < 1 || len(it.Points) > MaxPoints {
			return problem.Invalid("points", "whiteboard_points", map[string]any{"Max": MaxPoints})
		}
		want = len(it.Points)
	case KindText:
		want = 1
	}
	if len(it.Points) != want {
		return problem.Invalid("points", "whiteboard_shape_points", map[string]any{"Want": want})
	}
	for i, p := range it.Points {
		for j, v := range p {
			if math.IsNaN(v) || v < 0 || v > 1 {
				return problem.Invalid("points", "whiteboard_coordinates", nil)
			}
			it.Points[i][j] = math.Round(v*grid) / grid
		}
	}
	if it.Kind != KindText {
		it.Text = ""
		return nil
	}
	it.Text = cleanText(it.Text)
	if n := utf8.RuneCountInString(it.Text); n < 1 {
		return problem.Invalid("text", "too_short", map[string]any{"Count": 1})
	} else if n > MaxText {
		return problem.Invalid("text", "too_long", map[string]any{"Count": MaxText, "Now": n})
	}
	return nil
}

// cleanText keeps a text drawing to one line of printable characters.
func cleanText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			return ' '
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}
