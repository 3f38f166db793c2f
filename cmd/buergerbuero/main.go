// Command buergerbuero is the virtual citizens' office appliance: one binary
// with subcommands. main only registers the subcommands that live outside
// the appliance's CLI package and hands over; all behaviour lives in
// packages.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/buergerbuero/buergerbuero/appliance/cli"
	"github.com/buergerbuero/buergerbuero/appliance/firstboot"
	"github.com/buergerbuero/buergerbuero/matrixbridge"
)

func main() {
	tuneGC()
	cli.Register("bridge", matrixbridge.Main)
	cli.Register("firstboot", firstboot.Main)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if code != 0 {
		os.Exit(code)
	}
}

// tuneGC: the appliance holds many idle connections (waiting citizens,
// event viewers), and on a small VM their memory, not the CPU, is what
// runs out first. The collector therefore runs when the heap has grown by
// half, not doubled (Go's default, GOGC=100): about a quarter less
// resident memory per connection for a little more collection work
// (BENCHMARKS.md, "Fan-out"). GOGC in the environment still decides.
func tuneGC() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(50)
	}
}
