// Package version holds the build version, stamped by the linker
// (-X github.com/buergerbuero/buergerbuero/appliance/version.Version=…).
package version

// Version of this build; "dev" when built without stamping.
var Version = "dev"
