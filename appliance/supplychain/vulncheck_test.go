package supplychain

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// vulnerableNet is a golang.org/x/net release whose html.Parse is affected
// by GO-2026-4440 (quadratic parsing, fixed in v0.45.0) and others in
// ../shared/vulndb.
const (
	vulnerableNet = "v0.40.0"
	advisory      = "GO-2026-4440"
)

func script(t *testing.T) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "..", "scripts", "vulncheck"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// fixture writes a module that imports the vulnerable x/net and, when
// callParse, calls the vulnerable html.Parse; otherwise only the unaffected
// html.EscapeString.
func fixture(t *testing.T, callParse bool) string {
	t.Helper()
	dir := t.TempDir()
	call := `html.EscapeString("<b>")`
	if callParse {
		call = `html.Parse(strings.NewReader("<b>"))`
	}
	src := "package main\n\nimport (\n\t\"strings\"\n\n\t\"golang.org/x/net/html\"\n)\n\nvar _ = strings.NewReader\n\nfunc main() { " + call + " }\n"
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/vulnfixture\n\ngo 1.24\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	get := exec.Command("go", "get", "golang.org/x/net@"+vulnerableNet)
	get.Dir = dir
	get.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	if out, err := get.CombinedOutput(); err != nil {
		t.Fatalf("fixture: go get golang.org/x/net@%s: %v\n%s", vulnerableNet, err, out)
	}
	return dir
}

func run(t *testing.T, env []string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(script(t), args...)
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return out.String(), 0
	case errors.As(err, &exit):
		return out.String(), exit.ExitCode()
	default:
		t.Fatalf("run %s: %v", script(t), err)
		return "", -1
	}
}

func TestVulncheckFailsOnReachableVulnerability(t *testing.T) {
	if testing.Short() {
		t.Skip("runs govulncheck on fixture modules; skipped under -short")
	}
	out, code := run(t, nil, fixture(t, true))
	if code == 0 {
		t.Fatalf("scripts/vulncheck passed a module calling a vulnerable html.Parse:\n%s", out)
	}
	if !strings.Contains(out, advisory) {
		t.Errorf("exit %d but %s not reported:\n%s", code, advisory, out)
	}

	// Importing the module without reaching the vulnerable code passes:
	// the check is about reachability, as govulncheck's is.
	if out, code := run(t, nil, fixture(t, false)); code != 0 {
		t.Errorf("unreachable vulnerability failed the check (exit %d):\n%s", code, out)
	}
}

func TestVulncheckFailsLoudlyWithoutTool(t *testing.T) {
	out, code := run(t, []string{"BUERGERBUERO_VULNCHECK=" + filepath.Join(t.TempDir(), "missing")}, t.TempDir())
	if code == 0 || !strings.Contains(out, "does not exist") {
		t.Errorf("missing tool: exit %d, output:\n%s", code, out)
	}
}
