// Package cli implements the subcommands of the buergerbuero binary. It
// parses flags and wires packages together; it owns no behaviour of its own.
package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/buergerbuero/buergerbuero/appliance/version"
)

// Main runs one subcommand and returns the process exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	var err error
	switch args[0] {
	case "serve":
		err = serve(ctx, args[1:], stdout, log)
	case "demo":
		err = demo(ctx, args[1:], stdout, log)
	case "admin":
		err = admin(ctx, args[1:], stdout)
	case "version":
		fmt.Fprintln(stdout, "buergerbuero", version.Version)
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, usage)
	default:
		if h, ok := extra[args[0]]; ok {
			return h(ctx, args[1:], stdout, stderr)
		}
		fmt.Fprintf(stderr, "unknown command %q\n\n%s\n", args[0], usage)
		return 2
	}
	if err != nil {
		fmt.Fprintln(stderr, "buergerbuero:", err)
		return 1
	}
	return 0
}

// extra holds subcommands implemented in other packages (bridge, firstboot).
var extra = map[string]func(ctx context.Context, args []string, stdout, stderr io.Writer) int{}

// Register adds a subcommand implemented elsewhere.
func Register(name string, f func(ctx context.Context, args []string, stdout, stderr io.Writer) int) {
	extra[name] = f
}

const usage = `usage: buergerbuero <command> [flags]

commands:
  serve --config FILE        run the appliance
  demo [--addr HOST:PORT] [--data DIR]
                             run with embedded demo defaults (demo offices,
                             SQLite, self-signed TLS for localhost)
  admin <what> ...           manage offices, clerks and opening hours
                             (run "buergerbuero admin help")
  bridge --config FILE       run the Matrix bridge (--generate-registration writes
                             the appservice registration)
  firstboot ...              first-boot set-up of the VM image
  version                    print the version`
