package systemd

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// maxExposure is the highest `systemd-analyze security` exposure accepted
// for a service (0 = fully locked down, 10 = unprotected).
const maxExposure = 1.5

func systemdAnalyze(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Fatalf("systemd-analyze not found (%v): the unit files cannot be checked; install it with `apt-get install systemd`", err)
	}
	return p
}

func units(t *testing.T, pattern string) []string {
	t.Helper()
	u, err := filepath.Glob(filepath.Join("units", pattern))
	if err != nil || len(u) == 0 {
		t.Fatalf("no units matching %s: %v", pattern, err)
	}
	return u
}

// TestUnitsVerify runs `systemd-analyze verify` on copies of the units whose
// ExecStart points at a stand-in executable (verify insists that the
// binary exists) and fails on any diagnostic, since verify exits 0 even for
// unknown directives.
func TestUnitsVerify(t *testing.T) {
	sa := systemdAnalyze(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin", "buergerbuero")
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, u := range units(t, "*") {
		b, err := os.ReadFile(u)
		if err != nil {
			t.Fatal(err)
		}
		b = bytes.ReplaceAll(b, []byte("ExecStart=/usr/bin/buergerbuero "), []byte("ExecStart="+bin+" "))
		p := filepath.Join(dir, filepath.Base(u))
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	out, err := exec.Command(sa, append([]string{"verify", "--man=no"}, paths...)...).CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
}

var exposureRE = regexp.MustCompile(`Overall exposure level for \S+: (\d+\.\d+)`)

func TestUnitsSecurity(t *testing.T) {
	sa := systemdAnalyze(t)
	for _, u := range units(t, "*.service") {
		t.Run(filepath.Base(u), func(t *testing.T) {
			threshold := strconv.Itoa(int(maxExposure * 10))
			out, err := exec.Command(sa, "security", "--offline=true", "--threshold="+threshold, "--no-pager", u).CombinedOutput()
			if err != nil {
				t.Fatalf("systemd-analyze security --threshold=%s: %v\n%s", threshold, err, out)
			}
			m := exposureRE.FindSubmatch(out)
			if m == nil {
				t.Fatalf("no exposure level in output:\n%s", out)
			}
			exp, _ := strconv.ParseFloat(string(m[1]), 64)
			if exp > maxExposure {
				t.Errorf("exposure %.1f > %.1f:\n%s", exp, maxExposure, out)
			}
			t.Logf("exposure %.1f", exp)
		})
	}
}

// TestUnitsContract pins the directives the Go code and the operations
// guide rely on.
func TestUnitsContract(t *testing.T) {
	want := map[string][]string{
		"buergerbuero.service": {
			"Type=notify", "WatchdogSec=30s", "ExecStart=/usr/bin/buergerbuero serve --config /etc/buergerbuero/config.yaml",
			"DynamicUser=yes", "StateDirectory=buergerbuero", "ConfigurationDirectory=buergerbuero", "CapabilityBoundingSet=",
			"Sockets=buergerbuero.socket buergerbuero-http.socket buergerbuero-media.socket",
			"RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX AF_NETLINK", "MemoryDenyWriteExecute=yes", "UMask=0077",
		},
		"buergerbuero.socket":         {"ListenStream=443", "FileDescriptorName=" + NameHTTPS, "Service=buergerbuero.service"},
		"buergerbuero-http.socket":    {"ListenStream=80", "FileDescriptorName=" + NameHTTP, "Service=buergerbuero.service"},
		"buergerbuero-media.socket":   {"ListenDatagram=3478", "FileDescriptorName=" + NameMedia, "Service=buergerbuero.service"},
		"buergerbuero-bridge.service": {"ExecStart=/usr/bin/buergerbuero bridge --config /etc/buergerbuero/bridge.yaml", "DynamicUser=yes", "CapabilityBoundingSet="},
	}
	for unit, lines := range want {
		b, err := os.ReadFile(filepath.Join("units", unit))
		if err != nil {
			t.Fatal(err)
		}
		have := strings.Split(string(b), "\n")
		for _, l := range lines {
			found := false
			for _, h := range have {
				found = found || h == l
			}
			if !found {
				t.Errorf("%s lacks line %q", unit, l)
			}
		}
	}
}
