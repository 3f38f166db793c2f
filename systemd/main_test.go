package systemd

import (
	"os"
	"testing"
)

// TestMain lets the test binary double as the socket-activated child of
// TestSocketActivation (see activation_test.go).
func TestMain(m *testing.M) {
	if dir := os.Getenv(activationChildEnv); dir != "" {
		os.Exit(runActivationChild(dir))
	}
	os.Exit(m.Run())
}
