package images

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRootFS runs `images/build --rootfs-only` (debootstrap base from the
// cache in ~/.cache/buergerbuero-images; the first run takes ~4 minutes, later
// ones ~30 s) and checks the tree. It needs root on Debian 12 and is skipped
// otherwise and under -short. The full build and boot test is images/test.
func TestRootFS(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a root file system; skipped under -short")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root (debootstrap, chroot)")
	}
	if _, err := exec.LookPath("debootstrap"); err != nil {
		if _, err := exec.LookPath("apt-get"); err != nil {
			t.Skip("not a Debian system")
		}
	}
	dir := t.TempDir()
	root := filepath.Join(dir, "rootfs")
	bin := filepath.Join(dir, "buergerbuero")
	build := exec.Command("go", "build", "-trimpath", "-tags", "goolm", "-o", bin, "../cmd/buergerbuero")
	build.Env = append(os.Environ(), "CGO_ENABLED=1")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	start := time.Now()
	cmd := exec.Command("./build", "--rootfs-only", root)
	cmd.Env = append(os.Environ(), "BB_BINARY="+bin, "TMPDIR="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("images/build --rootfs-only: %v\n%s", err, out)
	}
	t.Logf("root file system built in %s", time.Since(start).Round(time.Second))

	for _, f := range []string{
		"usr/bin/buergerbuero",
		"lib/systemd/system/buergerbuero.service",
		"lib/systemd/system/buergerbuero.socket",
		"lib/systemd/system/buergerbuero-bridge.service",
		"etc/systemd/system/buergerbuero-seed.service",
		"etc/systemd/system/buergerbuero-setup.service",
		"etc/systemd/system/multi-user.target.wants/buergerbuero.service",
		"etc/systemd/system/sysinit.target.wants/nftables.service",
		"etc/systemd/network/80-dhcp.network",
		"etc/systemd/journald.conf.d/buergerbuero.conf",
		"etc/apt/apt.conf.d/20auto-upgrades",
		"vmlinuz",
		"initrd.img",
		"boot/grub/grub.cfg",
	} {
		// Lstat: enablement symlinks and /vmlinuz point to absolute
		// paths inside the tree, not on this machine.
		if _, err := os.Lstat(filepath.Join(root, f)); err != nil {
			t.Errorf("missing %s: %v", f, err)
		}
	}
	for _, f := range []string{"etc/systemd/system/multi-user.target.wants/ssh.service", "etc/ssh/ssh_host_ed25519_key"} {
		if _, err := os.Lstat(filepath.Join(root, f)); err == nil {
			t.Errorf("%s must not be in the image", f)
		}
	}
	nft, err := os.ReadFile(filepath.Join(root, "etc/nftables.conf"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"policy drop;", "tcp dport { 80, 443 } accept", "udp dport 3478 accept",
		"udp dport 3479 accept", "tcp dport { 3479, 5349 } accept", "ip saddr @admin_net_v4 tcp dport 22 accept"} {
		if !strings.Contains(string(nft), want) {
			t.Errorf("nftables.conf lacks %q", want)
		}
	}
	if mid, _ := os.ReadFile(filepath.Join(root, "etc/machine-id")); len(mid) != 0 {
		t.Errorf("etc/machine-id is not empty: %q", mid)
	}
	f, err := os.Open(filepath.Join(root, "etc/shadow"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), ":")
		if len(fields) < 2 || !(strings.HasPrefix(fields[1], "!") || strings.HasPrefix(fields[1], "*")) {
			t.Errorf("/etc/shadow: account %s has a password or an empty password field", fields[0])
		}
	}
}
