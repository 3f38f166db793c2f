package problem_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/buergerbuero/buergerbuero/appliance/i18n"
	"golang.org/x/text/language"
)

// use is one construction of a problem in the code: its catalogue key and
// the argument names it passes (nil when not a literal map).
type use struct {
	pos  string
	key  string
	args []string
}

var codeRE = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// problemUses walks every non-test Go file of the repository for
// problem.New, problem.Invalid and problem.Error literals (New, Invalid
// and Error inside package problem). Codes and reasons must be literal
// identifiers-like strings, and no string passed may be a sentence.
func problemUses(t *testing.T) []use {
	t.Helper()
	root := filepath.Join("..", "..")
	fset := token.NewFileSet()
	var uses []use
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "node_modules", "vendor", "testdata":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		inProblem := f.Name.Name == "problem"
		named := func(e ast.Expr, name string) bool {
			switch x := e.(type) {
			case *ast.SelectorExpr:
				id, ok := x.X.(*ast.Ident)
				return ok && id.Name == "problem" && x.Sel.Name == name
			case *ast.Ident:
				return inProblem && x.Name == name
			}
			return false
		}
		ast.Inspect(f, func(n ast.Node) bool {
			pos := func() string { return fset.Position(n.Pos()).String() }
			switch x := n.(type) {
			case *ast.FuncDecl:
				// the constructors themselves
				return !(inProblem && slices.Contains([]string{"New", "Invalid", "With"}, x.Name.Name))
			case *ast.CallExpr:
				switch {
				case named(x.Fun, "New") && len(x.Args) == 2:
					noSentences(t, pos(), x.Args)
					uses = append(uses, use{pos(), "error." + literal(t, pos(), x.Args[1]), nil})
				case named(x.Fun, "Invalid") && len(x.Args) == 3:
					noSentences(t, pos(), x.Args)
					reason := literal(t, pos(), x.Args[1])
					uses = append(uses, use{pos(), "error.invalid." + reason, mapKeys(x.Args[2])})
				}
			case *ast.CompositeLit:
				if !named(x.Type, "Error") {
					return true
				}
				var code, reason string
				var args []string
				for _, el := range x.Elts {
					kv, ok := el.(*ast.KeyValueExpr)
					if !ok {
						continue
					}
					noSentences(t, pos(), []ast.Expr{kv.Value})
					switch kv.Key.(*ast.Ident).Name {
					case "Code":
						code = literal(t, pos(), kv.Value)
					case "Reason":
						reason = literal(t, pos(), kv.Value)
					case "Args":
						args = mapKeys(kv.Value)
					case "Kind", "Field":
					default:
						t.Errorf("%s: problem.Error has no text field %s any more", pos(), kv.Key.(*ast.Ident).Name)
					}
				}
				if code == "" {
					return true // a sentinel for errors.Is (kind only)
				}
				key := "error." + code
				if reason != "" {
					key += "." + reason
				}
				uses = append(uses, use{pos(), key, args})
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return uses
}

// literal is the value of a string literal that looks like a code.
func literal(t *testing.T, pos string, e ast.Expr) string {
	t.Helper()
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		t.Errorf("%s: code or reason %s is not a string literal (the catalogue test cannot follow it)", pos, exprString(e))
		return ""
	}
	s, _ := strconv.Unquote(lit.Value)
	if !codeRE.MatchString(s) {
		t.Errorf("%s: %q is not a code (lower case, digits, _)", pos, s)
	}
	return s
}

func exprString(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.Ident:
		return x.Name
	case *ast.SelectorExpr:
		return exprString(x.X) + "." + x.Sel.Name
	}
	return "expression"
}

// noSentences fails for any string literal under the expressions that
// reads like text for people (a space or a capital letter).
func noSentences(t *testing.T, pos string, es []ast.Expr) {
	t.Helper()
	for _, e := range es {
		ast.Inspect(e, func(n ast.Node) bool {
			if kv, ok := n.(*ast.KeyValueExpr); ok { // Args: names are placeholders
				noSentences(t, pos, []ast.Expr{kv.Value})
				return false
			}
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, _ := strconv.Unquote(lit.Value)
			if strings.ContainsAny(s, " .") || strings.ToLower(s) != s {
				t.Errorf("%s: problem built with text %q; put the sentence into the catalogue (appliance/i18n/locales/errors.*.json)", pos, s)
			}
			return true
		})
	}
}

// mapKeys lists the keys of a literal map[string]any; nil otherwise.
func mapKeys(e ast.Expr) []string {
	cl, ok := e.(*ast.CompositeLit)
	if !ok {
		return nil
	}
	keys := []string{}
	for _, el := range cl.Elts {
		if kv, ok := el.(*ast.KeyValueExpr); ok {
			if lit, ok := kv.Key.(*ast.BasicLit); ok {
				s, _ := strconv.Unquote(lit.Value)
				keys = append(keys, s)
			}
		}
	}
	return keys
}

// Every problem the code can build has its message in every language,
// filled completely by the arguments the code passes; and the catalogue
// has no error message that no code uses.
func TestEveryProblemHasACatalogueMessage(t *testing.T) {
	uses := problemUses(t)
	if len(uses) < 60 {
		t.Fatalf("found only %d problem constructions; is the walk broken?", len(uses))
	}
	cat, err := i18n.Load("")
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	for _, u := range uses {
		used[u.key] = true
		for _, tag := range i18n.Citizen {
			if !slices.Contains(cat.IDs(tag), u.key) {
				t.Errorf("%s: %s has no message in %s", u.pos, u.key, tag)
			}
		}
		if u.args == nil {
			continue
		}
		args := map[string]any{}
		for _, a := range u.args {
			args[a] = 7
		}
		for _, tag := range i18n.Citizen {
			if msg := cat.Localizer(tag).T(u.key, args); strings.Contains(msg, "<no value>") {
				t.Errorf("%s: %s in %s needs an argument the code does not pass (%v): %q", u.pos, u.key, tag, u.args, msg)
			}
		}
	}
	for _, id := range cat.IDs(language.German) {
		if strings.HasPrefix(id, "error.") && !used[id] {
			t.Errorf("catalogue key %s is used by no problem in the code", id)
		}
	}
}
