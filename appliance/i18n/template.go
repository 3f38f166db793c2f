package i18n

import (
	"sort"
	"strings"
	"text/template"
	"text/template/parse"
	"unicode/utf8"
)

// placeholders returns the sorted names of the {{.Name}} fields a message
// template uses; an unparsable template is an error.
func placeholders(text string) ([]string, error) {
	t, err := template.New("").Parse(text)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	if t.Tree != nil {
		walk(t.Tree.Root, seen)
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out, nil
}

func walk(n parse.Node, seen map[string]bool) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n != nil {
			for _, c := range n.Nodes {
				walk(c, seen)
			}
		}
	case *parse.ActionNode:
		walk(n.Pipe, seen)
	case *parse.PipeNode:
		if n != nil {
			for _, c := range n.Cmds {
				for _, a := range c.Args {
					walk(a, seen)
				}
			}
		}
	case *parse.FieldNode:
		seen[n.Ident[0]] = true
	case *parse.IfNode:
		walk(n.Pipe, seen)
		walk(n.List, seen)
		walk(n.ElseList, seen)
	case *parse.RangeNode:
		walk(n.Pipe, seen)
		walk(n.List, seen)
		walk(n.ElseList, seen)
	case *parse.WithNode:
		walk(n.Pipe, seen)
		walk(n.List, seen)
		walk(n.ElseList, seen)
	}
}

var accented = map[rune]rune{
	'a': 'á', 'b': 'ƀ', 'c': 'ç', 'd': 'ð', 'e': 'é', 'f': 'ƒ', 'g': 'ĝ', 'h': 'ĥ', 'i': 'î',
	'j': 'ĵ', 'k': 'ķ', 'l': 'ļ', 'm': 'ṁ', 'n': 'ñ', 'o': 'ö', 'p': 'þ', 'q': 'ǫ', 'r': 'ŕ',
	's': 'š', 't': 'ţ', 'u': 'û', 'v': 'ṽ', 'w': 'ŵ', 'x': 'ẋ', 'y': 'ý', 'z': 'ž',
	'A': 'Å', 'B': 'Ɓ', 'C': 'Ç', 'D': 'Ð', 'E': 'É', 'F': 'Ƒ', 'G': 'Ĝ', 'H': 'Ĥ', 'I': 'Î',
	'J': 'Ĵ', 'K': 'Ķ', 'L': 'Ļ', 'M': 'Ṁ', 'N': 'Ñ', 'O': 'Ö', 'P': 'Þ', 'Q': 'Ǫ', 'R': 'Ŕ',
	'S': 'Š', 'T': 'Ţ', 'U': 'Û', 'V': 'Ṽ', 'W': 'Ŵ', 'X': 'Ẋ', 'Y': 'Ý', 'Z': 'Ž',
}

// Pseudo-locale markers: every pseudo text starts and ends with them, so a
// test can tell catalogue text from hard-coded text on a rendered page.
const (
	PseudoOpen  = "⟦"
	PseudoClose = "⟧"
)

// PseudoText turns s into pseudo-locale text: Latin letters accented,
// {{…}} placeholders kept as they are, padded with "~" and bracketed so it
// is at least 40 % longer. "Senden" becomes "⟦Šéñðéñ~~~⟧".
func PseudoText(s string) string {
	if s == "" {
		return s
	}
	var b strings.Builder
	b.WriteString(PseudoOpen)
	for rest := s; rest != ""; {
		i := strings.Index(rest, "{{")
		if i < 0 {
			i = len(rest)
		}
		for _, r := range rest[:i] {
			if a, ok := accented[r]; ok {
				r = a
			}
			b.WriteRune(r)
		}
		rest = rest[i:]
		if rest == "" {
			break
		}
		end := strings.Index(rest, "}}")
		if end < 0 {
			b.WriteString(rest)
			break
		}
		b.WriteString(rest[:end+2])
		rest = rest[end+2:]
	}
	n := utf8.RuneCountInString(s)
	b.WriteString(strings.Repeat("~", max(1, (n*4+9)/10)))
	b.WriteString(PseudoClose)
	return b.String()
}
