// Package images holds no Go code of the appliance: it builds the bootable
// VM image (images/build) and boots it for tests (images/test). The Go test
// here runs the root file system stage, cheap enough for CI.
package images
