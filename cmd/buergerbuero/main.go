// Command buergerbuero is the virtual citizens' office appliance: one binary
// with subcommands. main only registers the subcommands that live outside
// the appliance's CLI package and hands over; all behaviour lives in
// packages.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/buergerbuero/buergerbuero/appliance/cli"
	"github.com/buergerbuero/buergerbuero/appliance/firstboot"
	"github.com/buergerbuero/buergerbuero/matrixbridge"
)

func main() {
	cli.Register("bridge", matrixbridge.Main)
	cli.Register("firstboot", firstboot.Main)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if code != 0 {
		os.Exit(code)
	}
}
