// Package firstboot owns the appliance's first-boot configuration: the seed
// format (buergerbuero.yaml on a config drive), turning a seed into
// /etc/buergerbuero/config.yaml plus the operating-system settings (SSH key,
// admin network), and the one-time setup page that asks the same questions
// when no seed was given. It does not run the appliance and does not touch
// /var/lib/buergerbuero.
package firstboot

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strings"
)

// Main runs `buergerbuero firstboot` and returns the exit code.
//
//	firstboot --seed FILE                     apply a seed and exit
//	firstboot --listen :443 [--announce ...]  serve the setup page until done
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("firstboot", flag.ContinueOnError)
	fs.SetOutput(stderr)
	seedPath := fs.String("seed", "", "apply this seed file (buergerbuero.yaml) and exit")
	listen := fs.String("listen", "", "serve the one-time setup page on this address, e.g. :443")
	confPath := fs.String("config", "/etc/buergerbuero/config.yaml", "configuration file to write")
	root := fs.String("os-root", "/", "root directory below which all files are written")
	announce := fs.String("announce", "", "comma-separated terminals that also show the setup link, e.g. /dev/tty1,/dev/ttyS0")
	after := fs.String("after", "", "shell command run once setup wrote the configuration (it starts the appliance)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, nil)).With("component", "firstboot")
	switch {
	case *seedPath != "" && *listen == "":
		b, err := os.ReadFile(*seedPath)
		if err == nil {
			var s *Seed
			if s, err = ParseSeed(b); err == nil {
				err = s.Apply(*root, *confPath)
			}
		}
		if err != nil {
			fmt.Fprintf(stderr, "firstboot: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "buergerbuero: configuration written to %s from the seed\n", *confPath)
		return 0
	case *listen != "" && *seedPath == "":
		if err := runSetup(ctx, log, *listen, *root, *confPath, *announce, stdout); err != nil {
			fmt.Fprintf(stderr, "firstboot: %v\n", err)
			return 1
		}
		if *after != "" {
			cmd := exec.CommandContext(ctx, "/bin/sh", "-c", *after)
			cmd.Stdout, cmd.Stderr = stdout, stderr
			if err := cmd.Run(); err != nil {
				fmt.Fprintf(stderr, "firstboot: %s: %v\n", *after, err)
				return 1
			}
		}
		return 0
	default:
		fmt.Fprintln(stderr, "firstboot: give exactly one of --seed FILE and --listen ADDR")
		return 2
	}
}

func runSetup(ctx context.Context, log *slog.Logger, addr, root, conf, announce string, stdout io.Writer) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("setup page: %w", err)
	}
	ips := hostIPs()
	cert, fingerprint, err := selfSigned(ips)
	if err != nil {
		ln.Close()
		return fmt.Errorf("setup certificate: %w", err)
	}
	s := &setupServer{token: newToken(), root: root, conf: conf, log: log, done: make(chan struct{})}
	msg := banner(ips, portOf(ln.Addr()), s.token, fingerprint)
	fmt.Fprint(stdout, msg)
	for _, tty := range strings.Split(announce, ",") {
		if tty == "" {
			continue
		}
		if f, err := os.OpenFile(tty, os.O_WRONLY|os.O_APPEND, 0); err == nil {
			fmt.Fprint(f, strings.ReplaceAll(msg, "\n", "\r\n"))
			f.Close()
		}
	}
	return serveSetup(ctx, ln, s, cert)
}

func portOf(a net.Addr) string {
	_, p, _ := net.SplitHostPort(a.String())
	return p
}

// banner is the console message with the one-time setup link.
func banner(ips []net.IP, port, token, fingerprint string) string {
	var b strings.Builder
	b.WriteString("\n==== Virtuelles Bürgerbüro: Ersteinrichtung / first-time setup ====\n")
	b.WriteString("Öffnen Sie / open:\n")
	hostPort := func(ip net.IP) string {
		if port == "443" {
			if ip.To4() == nil {
				return "[" + ip.String() + "]"
			}
			return ip.String()
		}
		return net.JoinHostPort(ip.String(), port)
	}
	if len(ips) == 0 {
		fmt.Fprintf(&b, "  https://<IP-Adresse>:%s/setup?token=%s\n", port, token)
	}
	for _, ip := range ips {
		fmt.Fprintf(&b, "  https://%s/setup?token=%s\n", hostPort(ip), token)
	}
	fmt.Fprintf(&b, "Zertifikat / certificate SHA-256:\n  %s\n", fingerprint)
	b.WriteString("Der Link gilt einmal / the link works once.\n\n")
	return b.String()
}
