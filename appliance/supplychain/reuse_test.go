package supplychain

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

// SPDX tag names, split so that this file carries no tag itself.
var (
	tagLicense   = "SPDX-" + "License-Identifier:"
	tagCopyright = "SPDX-" + "FileCopyrightText:"
)

// repoRoot is the checkout's top directory.
func repoRoot(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		t.Fatalf("licence checks need a git checkout and git: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// reuseFiles lists the files `reuse lint` looks at: tracked and untracked
// ones git does not ignore, minus what the REUSE specification ignores
// (licence files, LICENSES/, .license sidecars, REUSE.toml).
func reuseFiles(t *testing.T, root string) []string {
	t.Helper()
	out, err := exec.Command("git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
	if err != nil {
		t.Fatal(err)
	}
	licenceFile := regexp.MustCompile(`^(LICEN[CS]E|COPYING)(\..+)?$`)
	var files []string
	for _, f := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		base := path.Base(f)
		switch {
		case f == "", strings.HasPrefix(f, "LICENSES/"), licenceFile.MatchString(base), strings.HasSuffix(f, ".license"), f == "REUSE.toml":
			continue
		}
		if _, err := os.Stat(filepath.Join(root, f)); err != nil {
			continue // deleted in the work tree
		}
		files = append(files, f)
	}
	return files
}

type reuseTOML struct {
	Version     int
	Annotations []struct {
		Path       any    // string or list of globs
		Precedence string `toml:"precedence"`
		Copyright  any    `toml:"SPDX-FileCopyrightText"`
		License    any    `toml:"SPDX-License-Identifier"`
	}
}

// strs turns a TOML string-or-list into a list.
func strs(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// reuseGlob compiles a REUSE.toml path glob: "*" stays within a directory,
// "**" crosses directories ("**/" also matches none), "\\*" is a literal star.
func reuseGlob(g string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(g); i++ {
		switch {
		case strings.HasPrefix(g[i:], `\*`):
			b.WriteString(`\*`)
			i++
		case strings.HasPrefix(g[i:], "**/"):
			b.WriteString("(?:.*/)?")
			i += 2
		case strings.HasPrefix(g[i:], "**"):
			b.WriteString(".*")
			i++
		case g[i] == '*':
			b.WriteString("[^/]*")
		default:
			b.WriteString(regexp.QuoteMeta(g[i : i+1]))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// headerTags reads SPDX tags from a file (or its .license sidecar).
func headerTags(root, f string) (licences []string, copyright bool) {
	b, err := os.ReadFile(filepath.Join(root, f+".license"))
	if err != nil {
		b, _ = os.ReadFile(filepath.Join(root, f))
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if _, v, ok := strings.Cut(line, tagLicense); ok {
			licences = append(licences, strings.Fields(strings.Trim(strings.TrimSpace(v), "*/#-> "))...)
		}
		if strings.Contains(line, tagCopyright) {
			copyright = true
		}
	}
	return licences, copyright
}

// vendorDir holds the third-party browser libraries (its README.md lists
// them); nothing else may be under another licence than the EUPL-1.2.
const vendorDir = "appliance/web/static/vendor/"

// TestREUSECompliance checks what `reuse lint` checks, for this
// repository's layout: every file has copyright and licence information
// (REUSE.toml or an SPDX header), every licence used has its text in
// LICENSES/, no licence text there is unused, and LICENSE is the EUPL-1.2.
func TestREUSECompliance(t *testing.T) {
	root := repoRoot(t)
	var rt reuseTOML
	if _, err := toml.DecodeFile(filepath.Join(root, "REUSE.toml"), &rt); err != nil {
		t.Fatalf("REUSE.toml: %v", err)
	}
	if rt.Version != 1 {
		t.Fatalf("REUSE.toml version %d, want 1", rt.Version)
	}
	used := map[string]bool{}
	opsRE := regexp.MustCompile(`\s+(?:AND|OR|WITH)\s+|[()]`)
	useExpr := func(expr string) {
		for _, id := range opsRE.Split(expr, -1) {
			if id = strings.TrimSpace(id); id != "" {
				used[strings.TrimSuffix(id, "+")] = true
			}
		}
	}
	var missing []string
	for _, f := range reuseFiles(t, root) {
		licensed, copyrighted := false, false
		for _, a := range rt.Annotations {
			for _, g := range strs(a.Path) {
				if reuseGlob(g).MatchString(f) {
					for _, l := range strs(a.License) {
						useExpr(l)
						licensed = true
					}
					copyrighted = copyrighted || len(strs(a.Copyright)) > 0
				}
			}
		}
		ls, c := headerTags(root, f)
		for _, l := range ls {
			useExpr(l)
		}
		if !(licensed || len(ls) > 0) || !(copyrighted || c) {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		t.Errorf("files without copyright and licence information (REUSE.toml or SPDX header): %v", missing)
	}
	texts, _ := filepath.Glob(filepath.Join(root, "LICENSES", "*"))
	have := map[string]bool{}
	for _, p := range texts {
		id := strings.TrimSuffix(filepath.Base(p), filepath.Ext(p))
		have[id] = true
		if !used[id] {
			t.Errorf("LICENSES/%s is not used by any file", filepath.Base(p))
		}
	}
	for id := range used {
		if !have[id] {
			t.Errorf("licence %s is used but LICENSES/%s.txt is missing", id, id)
		}
	}
	if !slices.Equal(keys(used), []string{"Apache-2.0", "EUPL-1.2", "MIT"}) {
		t.Errorf("licences used: %v, want Apache-2.0, EUPL-1.2 and MIT (vendored widget and segmentation model; a third-party file needs its own annotation and licence text)", keys(used))
	}
	for _, a := range rt.Annotations {
		for _, l := range strs(a.License) {
			for _, g := range strs(a.Path) {
				if l != "EUPL-1.2" && !strings.HasPrefix(g, vendorDir) {
					t.Errorf("REUSE.toml: %s for %q: only third-party files under %s may carry another licence than EUPL-1.2", l, g, vendorDir)
				}
			}
		}
	}
	lic, err1 := os.ReadFile(filepath.Join(root, "LICENSE"))
	text, err2 := os.ReadFile(filepath.Join(root, "LICENSES", "EUPL-1.2.txt"))
	if err1 != nil || err2 != nil || !bytes.Equal(lic, text) || !bytes.Contains(text, []byte("EUROPEAN UNION PUBLIC LICENCE v. 1.2")) {
		t.Errorf("LICENSE must be the EUPL-1.2 text, identical to LICENSES/EUPL-1.2.txt (%v, %v)", err1, err2)
	}
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
