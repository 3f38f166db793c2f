// Command firstboot-helper runs appliance/firstboot on images whose
// buergerbuero binary has no `firstboot` subcommand yet. images/build
// installs it only in that case; delete it once the subcommand is wired.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/buergerbuero/buergerbuero/appliance/firstboot"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := firstboot.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
