// Package cli implements the subcommands of the buergerbuero binary. It wires
// packages together and owns nothing but flag parsing.
package cli

import (
	"context"
	"fmt"
	"io"
)

// Main runs one subcommand and returns the process exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	fmt.Fprintln(stderr, usage)
	return 2
}

const usage = `usage: buergerbuero <command> [flags]

commands:
  serve --config FILE        run the appliance
  demo [--addr HOST:PORT] [--data DIR]
                             run with embedded demo defaults
  admin ...                  manage offices, clerks, opening hours
  bridge --config FILE       run the Matrix bridge
  version                    print the version`
