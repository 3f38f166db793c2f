// Command buergerbuero is the virtual citizens' office appliance: one binary
// with subcommands. main only parses the subcommand and hands over; all
// behaviour lives in packages.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/buergerbuero/buergerbuero/appliance/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if code != 0 {
		os.Exit(code)
	}
}
